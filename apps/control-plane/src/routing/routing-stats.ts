import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  advanceInterval,
  callReward,
  classifyOutcome,
  DEFAULT_OUTLIER_CONFIG,
  eject,
  ejectionHeadroom,
  isEjected,
  mergeArmStatsByVersion,
  outcomeLatencyMs,
  recordProbe,
  recordReward,
  type ArmStats,
  type ArmStatsByVersion,
  type CallOutcome,
  type HealthState,
  type OutcomeClass,
  type OutlierConfig,
} from '@switchyard/router';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ToolCallOutcome } from '@switchyard/db';
import { REDIS } from '../connections/connections.module.js';
import { LOGGER } from '../logging/logging.module.js';
import { callOutcomeOfInvocation } from './invocation-outcome.js';
import { routingKeys, windowStart } from './routing-keys.js';
import { ROUTING_OPTIONS, type RoutingOptions } from './routing-options.js';
import { RoutingPolicies } from './routing-policies.js';
import { ejectionRecord, field, healthFromHashes, probeRecord, sameEjection } from './shared-health.js';

export interface OutcomeRecord {
  serverName: string;
  versionId: string;
  runnerId: string;
  /** How the call ended (libs/router's CallOutcome; it carries the latency). */
  outcome: CallOutcome;
  /** Cost of the call in the operator's unit (the nodepool's costPerCall); default 0. */
  costPerCall?: number;
}

/** How long a decision may use health read from Redis before it is read again (in the background). */
export const HEALTH_CACHE_MS = 1_000;
/** Idle statistics expire: a day without a call or probe (Redis persistence keeps them over restarts). */
const RETAIN_MS = 24 * 60 * 60 * 1000;
/** The runners hash's expiry is renewed at most this often per replica (it is a day long). */
const RETAIN_RENEW_MS = 60_000;

/**
 * Routing statistics shared by every replica through Redis (docs/router.md, "In the control
 * plane"): per-runner health for outlier ejection and probes, and per-version reward statistics
 * for the bandits. A restart keeps what was learned: it is all in Redis.
 */
@Injectable()
export class RoutingStats {
  readonly replicaId: string;
  readonly outlier: OutlierConfig;
  private readonly healthCache = new Map<string, { readAt: number; state: HealthState; reading?: Promise<HealthState> }>();
  /** This replica's own arm statistics per server, written to its field of the arms hash. */
  private readonly own = new Map<string, ArmStatsByVersion>();
  private readonly dirty = new Set<string>();
  /** When this replica last set the expiry of a statistics key (routing keys of windows and runners). */
  private readonly expiring = new Map<string, number>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly policies: RoutingPolicies,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(ROUTING_OPTIONS) options?: RoutingOptions,
  ) {
    this.replicaId = options?.replicaId ?? randomUUID();
    this.outlier = Object.freeze({ ...DEFAULT_OUTLIER_CONFIG, ...options?.outlier });
  }

  /**
   * Records one finished call: health counters at once, the reward in this replica's arm
   * statistics (written every second by flush). Client cancellations and auth denials are not
   * counted (classifyOutcome). Returns the class the outcome was counted as. The counters are plain
   * commands, not a pipeline of their own: the connection's auto-pipelining sends them with the
   * rest of the tick's commands in one write; expiries are renewed once per window / RETAIN_RENEW_MS.
   */
  async recordOutcome(record: OutcomeRecord, now = Date.now()): Promise<OutcomeClass> {
    const outcomeClass = classifyOutcome(record.outcome);
    if (outcomeClass === 'ignored') return outcomeClass;
    const { serverId, params } = await this.policies.forServer(record.serverName, now);
    const { runnerId } = record;
    const runnersKey = routingKeys.runners(serverId);
    const windowKey = routingKeys.window(serverId, windowStart(now, this.outlier.intervalMs));
    const failed = outcomeClass === 'failure';
    const counted = this.redis.hincrby(windowKey, failed ? field.failures(runnerId) : field.successes(runnerId), 1);
    if (this.expiring.get(windowKey) === undefined) {
      this.expiring.set(windowKey, now);
      void this.redis.pexpire(windowKey, 3 * this.outlier.intervalMs).catch(() => this.expiring.delete(windowKey));
    }
    const inARow = failed ? this.redis.hincrby(runnersKey, field.consecutiveFailures(runnerId), 1) : this.redis.hset(runnersKey, field.consecutiveFailures(runnerId), 0).then(() => 0);
    const renewedAt = this.expiring.get(runnersKey);
    if (renewedAt === undefined || now - renewedAt >= RETAIN_RENEW_MS) {
      this.expiring.set(runnersKey, now);
      void this.redis.pexpire(runnersKey, RETAIN_MS).catch(() => this.expiring.delete(runnersKey));
    }
    this.forgetExpiriesBefore(now - Math.max(RETAIN_RENEW_MS, 3 * this.outlier.intervalMs));
    const [, inRow] = await Promise.all([counted, inARow]);

    const reward = callReward(outcomeClass, outcomeLatencyMs(record.outcome) ?? 0, record.costPerCall ?? 0, params.reward);
    if (reward !== undefined) {
      await this.loadOwn(serverId);
      this.own.set(serverId, recordReward(this.own.get(serverId) ?? {}, record.versionId, reward, now, params.bandit.halfLifeMs));
      this.dirty.add(serverId);
    }
    if (failed && inRow >= this.outlier.consecutiveFailures) await this.ejectIfDue(serverId, runnerId, now);
    return outcomeClass;
  }

  /** Keys whose expiry this replica set, and when: the window keys of past intervals go. */
  private forgetExpiriesBefore(cutoff: number): void {
    if (this.expiring.size < 64) return;
    for (const [key, at] of this.expiring) if (at < cutoff) this.expiring.delete(key);
  }

  /**
   * For the gateway: a finished tool call as it was audited (ToolInvocation outcome, error code,
   * latency), recorded like recordOutcome. Returns null when the outcome is not recorded at all.
   */
  recordInvocation(
    call: Omit<OutcomeRecord, 'outcome'> & { outcome: ToolCallOutcome; errorCode: string | null; latencyMs: number },
    now = Date.now(),
  ): Promise<OutcomeClass | null> {
    const outcome = callOutcomeOfInvocation(call.outcome, call.errorCode, call.latencyMs);
    if (outcome === null) return Promise.resolve(null);
    const { serverName, versionId, runnerId, costPerCall } = call;
    return this.recordOutcome({ serverName, versionId, runnerId, outcome, ...(costPerCall === undefined ? {} : { costPerCall }) }, now);
  }

  /** The consecutive-failure rule of libs/router, over the state every replica shares. */
  private async ejectIfDue(serverId: string, runnerId: string, now: number): Promise<void> {
    const state = await this.readHealth(serverId, now);
    const health = state.runners[runnerId];
    if (!health || isEjected(health, now) || ejectionHeadroom(state, now, this.outlier) <= 0) return;
    const ejected = eject(health, 'consecutive-failures', now, this.outlier);
    await this.redis
      .pipeline()
      .hset(routingKeys.runners(serverId), field.ejection(runnerId), JSON.stringify(ejectionRecord(ejected)), field.consecutiveFailures(runnerId), 0)
      .exec();
    this.healthCache.set(serverId, { readAt: now, state: { ...state, runners: { ...state.runners, [runnerId]: ejected } } });
    this.logger.warn({ serverId, runnerId, ejectedUntil: ejected.ejectedUntil, ejections: ejected.ejections }, 'runner ejected after consecutive failures');
  }

  /** An active probe's result (libs/router recordProbe): two failures in a row mark the runner down. */
  async recordProbe(probe: { serverId: string; runnerId: string; ok: boolean; check?: 'ping' | 'tools/list' }, now = Date.now()): Promise<HealthState> {
    const { serverId, runnerId } = probe;
    const state = await this.readHealth(serverId, now);
    const next = recordProbe(state, { runnerId, check: probe.check ?? 'ping', ok: probe.ok, at: now }, this.outlier);
    const health = next.runners[runnerId]!;
    const fields: Array<string | number> = [field.probe(runnerId), JSON.stringify(probeRecord(health))];
    if (!sameEjection(state.runners[runnerId], health)) fields.push(field.ejection(runnerId), JSON.stringify(ejectionRecord(health)));
    await this.redis.pipeline().hset(routingKeys.runners(serverId), ...fields).pexpire(routingKeys.runners(serverId), RETAIN_MS).exec();
    this.healthCache.set(serverId, { readAt: now, state: next });
    return next;
  }

  /** Adds placed runners to the population the ejection cap counts (HSETNX: never resets a counter). */
  async track(serverId: string, runnerIds: readonly string[]): Promise<void> {
    if (runnerIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of runnerIds) pipeline.hsetnx(routingKeys.runners(serverId), field.consecutiveFailures(id), 0);
    pipeline.pexpire(routingKeys.runners(serverId), RETAIN_MS);
    await pipeline.exec();
  }

  /**
   * Health for a decision: what was read from Redis less than HEALTH_CACHE_MS ago, else the last
   * read while a new one runs (awaited only the first time), so decisions rarely wait for Redis.
   */
  async health(serverId: string, now = Date.now()): Promise<HealthState> {
    const cached = this.healthCache.get(serverId);
    if (cached && now - cached.readAt < HEALTH_CACHE_MS) return cached.state;
    if (cached) {
      cached.reading ??= this.readHealth(serverId, now)
        .then((state) => (this.healthCache.set(serverId, { readAt: now, state }), state))
        .catch((error: unknown) => {
          delete cached.reading;
          this.logger.warn({ serverId, err: (error as Error).message }, 'could not read routing health from Redis; using the last read');
          return cached.state;
        });
      return cached.state;
    }
    const state = await this.readHealth(serverId, now);
    this.healthCache.set(serverId, { readAt: now, state });
    return state;
  }

  /** The shared health state as Redis has it now. */
  async readHealth(serverId: string, now = Date.now()): Promise<HealthState> {
    const start = windowStart(now, this.outlier.intervalMs);
    const results = await this.redis.pipeline().hgetall(routingKeys.runners(serverId)).hgetall(routingKeys.window(serverId, start)).exec();
    return healthFromHashes(hashOf(results?.[0]), hashOf(results?.[1]), start);
  }

  /**
   * The success-rate sweep of the interval that just ended (libs/router advanceInterval), run by
   * one replica per interval (SET NX): outliers are ejected, ejection multipliers decay.
   */
  async sweep(serverId: string, now = Date.now()): Promise<boolean> {
    const { intervalMs } = this.outlier;
    const current = windowStart(now, intervalMs);
    const won = await this.redis.set(routingKeys.sweep(serverId, current), this.replicaId, 'PX', 3 * intervalMs, 'NX');
    if (won !== 'OK') return false;
    const previous = current - intervalMs;
    const results = await this.redis.pipeline().hgetall(routingKeys.runners(serverId)).hgetall(routingKeys.window(serverId, previous)).exec();
    const state = healthFromHashes(hashOf(results?.[0]), hashOf(results?.[1]), previous);
    const next = advanceInterval(state, current, this.outlier);
    const fields: string[] = [];
    for (const [id, health] of Object.entries(next.runners)) {
      if (!sameEjection(state.runners[id], health)) fields.push(field.ejection(id), JSON.stringify(ejectionRecord(health)));
    }
    if (fields.length > 0) await this.redis.hset(routingKeys.runners(serverId), ...fields);
    return true;
  }

  /**
   * Arm statistics of every replica, merged exactly (decay to the later time, add), with this
   * replica's own statistics from memory (they may be newer than its field in Redis).
   */
  async readArmStats(serverId: string, halfLifeMs: number): Promise<ArmStatsByVersion> {
    await this.loadOwn(serverId);
    const hash = await this.redis.hgetall(routingKeys.arms(serverId));
    let merged: ArmStatsByVersion = this.own.get(serverId) ?? {};
    for (const [name, value] of Object.entries(hash)) {
      const at = name.lastIndexOf(':');
      if (at <= 0 || name.slice(at + 1) === this.replicaId) continue;
      const stats = parseArmStats(value);
      if (stats) merged = mergeArmStatsByVersion(merged, { [name.slice(0, at)]: stats }, halfLifeMs);
    }
    return merged;
  }

  /** Writes this replica's arm statistics that changed since the last flush (called every second). */
  async flush(): Promise<void> {
    const servers = [...this.dirty];
    this.dirty.clear();
    if (servers.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const serverId of servers) {
      const fields = Object.entries(this.own.get(serverId) ?? {}).flatMap(([versionId, stats]) => [`${versionId}:${this.replicaId}`, JSON.stringify(stats)]);
      if (fields.length === 0) continue;
      pipeline.hset(routingKeys.arms(serverId), ...fields);
      pipeline.pexpire(routingKeys.arms(serverId), RETAIN_MS);
    }
    try {
      await pipeline.exec();
    } catch (error) {
      for (const serverId of servers) this.dirty.add(serverId);
      throw error;
    }
  }

  private readonly ownLoads = new Map<string, Promise<void>>();

  /** A replica that restarts under the same id continues from its field instead of overwriting it. */
  private loadOwn(serverId: string): Promise<void> {
    let load = this.ownLoads.get(serverId);
    if (!load) {
      load = (async () => {
        const hash = await this.redis.hgetall(routingKeys.arms(serverId));
        const mine: Record<string, ArmStats> = {};
        for (const [name, value] of Object.entries(hash)) {
          const at = name.lastIndexOf(':');
          const stats = at > 0 && name.slice(at + 1) === this.replicaId ? parseArmStats(value) : undefined;
          if (stats) mine[name.slice(0, at)] = stats;
        }
        if (!this.own.has(serverId)) this.own.set(serverId, mine);
      })();
      load.catch(() => this.ownLoads.delete(serverId));
      this.ownLoads.set(serverId, load);
    }
    return load;
  }
}

function hashOf(result: [Error | null, unknown] | undefined): Record<string, string> {
  if (!result) return {};
  if (result[0]) throw result[0];
  return (result[1] ?? {}) as Record<string, string>;
}

function parseArmStats(text: string): ArmStats | undefined {
  try {
    const value = JSON.parse(text) as ArmStats;
    return Number.isFinite(value.rewardSum) && Number.isFinite(value.count) && Number.isFinite(value.updatedAt) ? value : undefined;
  } catch {
    return undefined;
  }
}
