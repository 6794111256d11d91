import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import type { Prisma } from '@switchyard/db';
import { decode, HEARTBEAT_INTERVAL_MS, HEARTBEAT_SILENCE_INTERVALS, heartbeatSchema, parseRunnerSubject, subjects, type Heartbeat } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { NatsLink } from '../connections/nats-link.js';
import { LOGGER } from '../logging/logging.module.js';
import { isStale, markOf, statusFromHeartbeat, type HeartbeatMark } from './heartbeat-status.js';
import { RunnerEvents } from './runner-events.js';
import { RunnerLivenessService } from './runner-liveness.service.js';
import { RunnerMetrics, type IgnoredHeartbeat } from './runner-metrics.js';
import { RunnersRepository } from './runners.repository.js';

export interface HeartbeatOptions {
  intervalMs: number;
  /** A runner silent for this many intervals is UNHEALTHY (and lost for the relay). */
  silenceIntervals: number;
}

export const HEARTBEAT_OPTIONS = Symbol('HeartbeatOptions');

const LINK_WAIT_MS = 5_000;

/**
 * Heartbeats from every runner (`sy.cp.*.hb`, a queue group: one replica handles each), and the
 * sweep that catches runners gone silent while their NATS connection stays up (a hung host).
 * The runner is the one the SUBJECT names — the server only lets it publish there — never
 * anything in the body.
 */
@Injectable()
export class HeartbeatsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription: Subscription | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Newest heartbeat applied per runner, to drop one that was overtaken on its way. */
  private readonly marks = new Map<string, HeartbeatMark>();
  /** Runners this replica has reported lost for silence (reported once per silent spell). */
  private readonly silent = new Set<string>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly options: HeartbeatOptions;
  private readonly log: Logger;

  constructor(
    private readonly link: NatsLink,
    private readonly repository: RunnersRepository,
    private readonly liveness: RunnerLivenessService,
    private readonly events: RunnerEvents,
    private readonly metrics: RunnerMetrics,
    @Inject(LOGGER) logger: Logger,
    @Optional() @Inject(HEARTBEAT_OPTIONS) options?: Partial<HeartbeatOptions>,
  ) {
    this.options = { intervalMs: HEARTBEAT_INTERVAL_MS, silenceIntervals: HEARTBEAT_SILENCE_INTERVALS, ...options };
    this.log = logger.child({ component: 'heartbeats' });
  }

  onApplicationBootstrap(): void {
    void this.subscribe();
    this.sweepTimer = setInterval(() => void this.sweep(new Date()), this.options.intervalMs);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    this.subscription?.unsubscribe();
  }

  private async subscribe(): Promise<void> {
    while (!this.stopped && !this.link.connection) {
      await this.link.connected(LINK_WAIT_MS).catch(() => undefined);
    }
    const connection = this.link.connection;
    if (this.stopped || !connection) return;
    // Replicas of one installation share its database; a queue group named after it spreads the
    // heartbeats over them, while another installation on the same NATS account (test runs that
    // share one nats-server) gets its own copy instead of stealing these.
    const queue = `switchyard-heartbeats-${(await this.repository.databaseName()).replace(/[^A-Za-z0-9_-]/g, '_')}`;
    if (this.stopped) return;
    this.subscription = connection.subscribe(subjects.allHeartbeats(), {
      queue,
      callback: (error, message) => {
        if (error) return this.log.error({ err: error.message }, 'heartbeat subscription failed');
        this.receive(message.subject, message.data, new Date());
      },
    });
  }

  /** One heartbeat as it arrived; work per runner is serialized so its updates land in order. */
  receive(subject: string, data: Uint8Array, now: Date): void {
    const sender = parseRunnerSubject(subject);
    if (sender?.kind !== 'hb') return;
    let heartbeat: Heartbeat;
    try {
      heartbeat = decode(heartbeatSchema, data);
    } catch (error) {
      this.ignore('invalid');
      this.log.warn({ runnerId: sender.runnerId, err: error instanceof Error ? error.message : String(error) }, 'invalid heartbeat ignored');
      return;
    }
    const { runnerId } = sender;
    const previous = this.chains.get(runnerId) ?? Promise.resolve();
    const next = previous
      .then(() => this.apply(runnerId, heartbeat, now))
      .catch((error: unknown) => this.log.error({ runnerId, err: error instanceof Error ? error.message : String(error) }, 'heartbeat update failed'));
    this.chains.set(runnerId, next);
    void next.then(() => {
      if (this.chains.get(runnerId) === next) this.chains.delete(runnerId);
    });
  }

  private async apply(runnerId: string, heartbeat: Heartbeat, now: Date): Promise<void> {
    const runner = await this.repository.findRunner(runnerId);
    if (!runner) return this.ignore('unknown-runner');
    if (runner.revokedAt) return this.ignore('revoked');
    if (runner.fencedAt) return this.ignore('fenced');
    const mark = markOf(heartbeat);
    if (isStale(this.marks.get(runnerId), mark)) return this.ignore('reordered');
    // Sent before its connection closed but handled after the disconnect: it must not revive it.
    if (this.liveness.isConnected(runner.publicKey) === false) return this.ignore('not-connected');
    this.marks.set(runnerId, mark);

    const status = statusFromHeartbeat(heartbeat);
    const applied = await this.repository.applyHeartbeat(runnerId, {
      version: heartbeat.softwareVersion,
      capacity: heartbeat.capacity,
      gpus: heartbeat.gpus as Prisma.InputJsonValue,
      servers: heartbeat.servers as Prisma.InputJsonValue,
      inFlight: heartbeat.inFlight,
      lastSeenAt: now,
      status,
    });
    if (!applied) return this.ignore('fenced'); // fenced or revoked since the read
    // The disconnect may have been written while this update was in flight: put it back.
    if (this.liveness.isConnected(runner.publicKey) === false) {
      await this.repository.markOffline(runnerId);
      return;
    }
    this.metrics.heartbeats.inc();
    this.silent.delete(runnerId);
    if (runner.status !== status) {
      this.log.info({ runnerId, from: runner.status, to: status }, 'runner status changed by its heartbeat');
      this.events.statusChanged(runnerId, status);
    }
    this.events.heartbeat(runnerId, heartbeat);
  }

  private ignore(reason: IgnoredHeartbeat): void {
    this.metrics.ignoredHeartbeats.inc({ reason });
  }

  /**
   * Runners reporting in whose last heartbeat is older than the silence window: UNHEALTHY, and
   * lost for the relay (their calls cannot progress). Every replica sweeps; the write is
   * conditional, and each replica tells its own relay once per silent spell.
   */
  async sweep(now: Date): Promise<void> {
    const cutoff = new Date(now.getTime() - this.options.intervalMs * this.options.silenceIntervals);
    try {
      const silent = await this.repository.findSilentSince(cutoff);
      const ids = new Set(silent.map((r) => r.id));
      for (const id of this.silent) if (!ids.has(id)) this.silent.delete(id);
      for (const runner of silent) {
        if (!this.silent.has(runner.id)) {
          this.silent.add(runner.id);
          this.events.runnerLost(runner.id, `no heartbeat for ${this.options.silenceIntervals} intervals`);
        }
        if (await this.repository.markSilent(runner.id, cutoff)) {
          this.log.warn({ runnerId: runner.id, silentSince: cutoff.toISOString() }, 'runner stopped sending heartbeats: UNHEALTHY');
          this.events.statusChanged(runner.id, 'UNHEALTHY');
        }
      }
    } catch (error) {
      this.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'heartbeat sweep failed');
    }
  }
}
