import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { REDIS } from '../connections/connections.module.js';
import { LOGGER } from '../logging/logging.module.js';
import { RunnerRelay } from '../relay/runner-relay.js';
import { probeWithPing, type ProbeVerdict } from './mcp-probe.js';
import { routingKeys, windowStart } from './routing-keys.js';
import { ROUTING_OPTIONS, type RoutingOptions } from './routing-options.js';
import { RoutingRepository, type ProbeTargetRow } from './routing.repository.js';
import { RoutingStats } from './routing-stats.js';

/** A probe that takes longer than this (or than the round) counts as failed. */
const PROBE_TIMEOUT_MS = 5_000;

export interface ProbeRoundReport {
  /** Runners this replica probed in this round (it held their lock). */
  probed: Array<{ runnerId: string; deploymentId: string; verdict: ProbeVerdict }>;
  /** Runners another replica (or an earlier call) is probing this round. */
  lockedElsewhere: string[];
}

/**
 * Active health checks (docs/router.md, "In the control plane"): every SWITCHYARD_ROUTER_PROBE_SECONDS,
 * each HEALTHY runner's placed Streamable HTTP servers and stateless stdio servers get an MCP
 * session through the relay —
 * initialize, ping, close — and the verdict goes into the server's shared health state (two
 * failures in a row mark the runner down for that server, two passes bring it back).
 *
 * Stateful stdio placements are not probed: such a server serves one session at a time, so a probe would
 * take it from a client for its duration (the client's initialize would get AT_CAPACITY). Their
 * liveness comes from the runner's heartbeat instead (a FAILED or BACKOFF supervisor state removes
 * the placement from routing) and from passive outlier ejection. An HTTP runner answering
 * AT_CAPACITY is alive (busy, not broken). A stateless stdio server shares one upstream among
 * sessions on the runner, so probing it takes no client's place.
 *
 * One replica probes a runner per round: a Redis lock per runner and round (SET NX PX).
 */
/** Probing must not take a stateful stdio server's only session from a client. */
export function isProbeable(target: Pick<ProbeTargetRow, 'transport' | 'stateless'>): boolean {
  return target.transport === 'STREAMABLE_HTTP' || target.stateless;
}

@Injectable()
export class ActiveProber implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<ProbeRoundReport> | undefined;
  private readonly intervalMs: number;
  private readonly timers: boolean;

  constructor(
    private readonly repository: RoutingRepository,
    private readonly relay: RunnerRelay,
    private readonly stats: RoutingStats,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(ROUTING_OPTIONS) options?: RoutingOptions,
  ) {
    this.intervalMs = config.routerProbeSeconds * 1000;
    this.timers = options?.timers ?? true;
  }

  onApplicationBootstrap(): void {
    if (!this.timers) return;
    this.timer = setInterval(() => {
      // A round that overruns the interval is not doubled up.
      this.round ??= this.probeRound()
        .catch((error: unknown) => {
          this.logger.warn({ err: (error as Error).message }, 'probe round failed');
          return { probed: [], lockedElsewhere: [] };
        })
        .finally(() => (this.round = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    // A round in flight is not awaited (a dead runner's probe takes up to 5 s): its sessions are
    // closed by the relay's shutdown, and a result it can no longer record is only logged.
    clearInterval(this.timer);
  }

  /** One round: every runner whose lock for the round this replica wins. */
  async probeRound(now = Date.now()): Promise<ProbeRoundReport> {
    const roundStart = windowStart(now, this.intervalMs);
    const byRunner = new Map<string, ProbeTargetRow[]>();
    for (const target of await this.repository.probeTargets()) {
      if (!isProbeable(target)) continue;
      byRunner.set(target.runnerId, [...(byRunner.get(target.runnerId) ?? []), target]);
    }
    const report: ProbeRoundReport = { probed: [], lockedElsewhere: [] };
    await Promise.all(
      [...byRunner].map(async ([runnerId, targets]) => {
        const lock = await this.redis.set(routingKeys.probeLock(runnerId, roundStart), this.stats.replicaId, 'PX', this.intervalMs, 'NX');
        if (lock !== 'OK') {
          report.lockedElsewhere.push(runnerId);
          return;
        }
        for (const target of targets) {
          const verdict = await probeWithPing(this.relay, target, Math.min(PROBE_TIMEOUT_MS, this.intervalMs));
          report.probed.push({ runnerId, deploymentId: target.deploymentId, verdict });
          if (verdict.kind === 'skipped') continue;
          if (verdict.kind === 'dead') this.logger.info({ runnerId, deploymentId: target.deploymentId, reason: verdict.reason }, 'probe failed');
          await this.stats.recordProbe({ serverId: target.serverId, runnerId, ok: verdict.kind === 'alive', check: 'ping' }, now);
        }
      }),
    );
    return report;
  }
}
