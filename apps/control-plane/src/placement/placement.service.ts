import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_SILENCE_INTERVALS, type Heartbeat } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { DeploymentEvents } from '../deployments/deployment-events.js';
import { LOGGER } from '../logging/logging.module.js';
import { RunnerEvents } from '../runners/runner-events.js';
import { AssignmentPublisher } from './assignment-publisher.js';
import { planAndRecord } from './placement-pass.js';
import { PlacementRepository } from './placement.repository.js';

export interface PlacementOptions {
  /** The safety net: a pass this often even when nothing announced a change. */
  periodMs: number;
  /** Triggers within this window share one pass (20 runners dropping at once plan once). */
  debounceMs: number;
  /** A runner whose heartbeat disagrees with its placements is resent its assignment, at most this often. */
  resyncAfterMs: number;
}

export const PLACEMENT_OPTIONS = Symbol('PlacementOptions');
const DEFAULTS: PlacementOptions = { periodMs: 30_000, debounceMs: 25, resyncAfterMs: 2 * HEARTBEAT_INTERVAL_MS };

/**
 * Keeps the Placement table and the runners in line with the deployments: a pass whenever a
 * deployment changes, a runner's status changes or it is lost, and every `periodMs`. Each pass
 * plans under a Postgres advisory lock (placement-pass.ts) and then sends every runner whose
 * desired set changed its new assignment and secrets.
 */
@Injectable()
export class PlacementService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly options: PlacementOptions;
  private readonly log: Logger;
  private readonly unsubscribe: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  /** Runners to resend their assignment to in the next pass, changed or not. */
  private forced = new Set<string>();
  /** Callers of replan() waiting for the next pass to finish. */
  private waiting: Array<() => void> = [];

  constructor(
    private readonly repository: PlacementRepository,
    private readonly publisher: AssignmentPublisher,
    private readonly deploymentEvents: DeploymentEvents,
    private readonly runnerEvents: RunnerEvents,
    @Inject(LOGGER) logger: Logger,
    @Optional() @Inject(PLACEMENT_OPTIONS) options?: Partial<PlacementOptions>,
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.log = logger.child({ component: 'placement' });
  }

  onApplicationBootstrap(): void {
    this.unsubscribe.push(
      this.deploymentEvents.onChanged(() => this.request()),
      this.runnerEvents.onStatusChanged(() => this.request()),
      this.runnerEvents.onRunnerLost((runnerId) => void this.runnerLost(runnerId)),
      this.runnerEvents.onHeartbeat((runnerId, heartbeat) => void this.checkHeartbeat(runnerId, heartbeat)),
    );
    this.periodic = setInterval(() => this.request(), this.options.periodMs);
    this.periodic.unref();
    this.request();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const off of this.unsubscribe) off();
    clearTimeout(this.timer);
    clearInterval(this.periodic);
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** Runs a pass that starts after this call; resolves when it is done (tests, operators' tools). */
  replan(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.request();
    });
  }

  private request(forceRunnerId?: string): void {
    if (this.stopped) return;
    if (forceRunnerId) this.forced.add(forceRunnerId);
    // A request while a pass runs is picked up when it ends (that pass may have read too early).
    if (this.timer || this.running) return;
    this.timer = setTimeout(() => void this.run(), this.options.debounceMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.running = true;
    const forced = this.forced;
    this.forced = new Set();
    const waiting = this.waiting.splice(0);
    try {
      const outgoing = await planAndRecord(this.repository, { now: new Date(), silenceMs: HEARTBEAT_INTERVAL_MS * HEARTBEAT_SILENCE_INTERVALS, forced, canSend: this.publisher.available(), log: this.log });
      await this.publisher.sendAll(outgoing);
    } catch (error) {
      this.log.error({ err: error instanceof Error ? error.message : String(error) }, 'placement pass failed (retried on the next trigger)');
    } finally {
      this.running = false;
      for (const resolve of waiting) resolve();
      if (this.waiting.length > 0 || this.forced.size > 0) this.request();
    }
  }

  /** A lost runner comes back (if it does) as a new process that runs nothing until told again. */
  private async runnerLost(runnerId: string): Promise<void> {
    try {
      await this.repository.forgetSentContent(runnerId);
    } catch (error) {
      this.log.warn({ runnerId, err: error instanceof Error ? error.message : String(error) }, 'could not reset the assignment of a lost runner');
    }
    this.request();
  }

  /**
   * A heartbeat lists what the runner runs. If that is not what it was assigned and the last
   * assignment went out long enough ago to have been applied, it was lost (sent before the runner
   * subscribed, NATS down, a secret could not be opened…): send it again — at once when the
   * runner process just started.
   */
  private async checkHeartbeat(runnerId: string, heartbeat: Heartbeat): Promise<void> {
    if (heartbeat.draining) return;
    try {
      const { servers, sentAt } = await this.repository.desiredOf(runnerId);
      const reported = new Map(heartbeat.servers.map((s) => [s.deploymentId, s.versionId]));
      const same = reported.size === servers.size && [...servers].every(([deploymentId, versionId]) => reported.get(deploymentId) === versionId);
      if (same) return;
      // seq 0 is a runner process's first heartbeat, sent once it listens on its control subject:
      // a restarted runner runs nothing yet, and what was sent before it subscribed is lost.
      const freshProcess = heartbeat.seq === 0;
      if (!freshProcess && sentAt && Date.now() - sentAt.getTime() < this.options.resyncAfterMs) return;
      this.log.info({ runnerId, assigned: [...servers.keys()], reported: [...reported.keys()] }, 'runner does not run what it was assigned: resending');
      this.request(runnerId);
    } catch (error) {
      this.log.warn({ runnerId, err: error instanceof Error ? error.message : String(error) }, 'could not compare a heartbeat with the placements');
    }
  }
}
