import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Runner } from '@switchyard/db';
import type { Logger } from 'pino';
import { SYSTEM_ACTOR } from '../admin-events/actor.js';
import { AdminEventsService } from '../admin-events/admin-events.service.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { LOGGER } from '../logging/logging.module.js';
import { RunnerCredentialsService } from '../nats-auth/runner-credentials.service.js';
import { SystemNatsLink } from '../nats-auth/system-nats-link.js';
import { ConnectionTracker } from './connection-tracker.js';
import { fetchAccountConnections } from './connz.js';
import { RunnerEvents } from './runner-events.js';
import { RunnerMetrics } from './runner-metrics.js';
import { RunnersRepository } from './runners.repository.js';
import { parseClientEvent, sysSubjects, type ClientEvent, type LiveConnection } from './sys-events.js';

export interface RunnerLivenessOptions {
  /**
   * How long a second connection of one credential must last before it counts as a clone. A
   * runner that reconnects while the server still holds its half-open old connection also shows
   * two connections, until the server's pings drop the stale one (ping_interval 2 s × ping_max 2
   * in our nats.conf: ~5 s measured). Fencing that runner would take it out until an operator
   * re-enrolls it, so the second connection has to outlive that window first.
   */
  cloneGraceMs: number;
  /** Wait before retrying a CONNZ reconciliation that failed. */
  reconcileRetryMs: number;
}

export const RUNNER_LIVENESS_OPTIONS = Symbol('RunnerLivenessOptions');
export const DEFAULT_RUNNER_LIVENESS_OPTIONS: RunnerLivenessOptions = { cloneGraceMs: 6_000, reconcileRetryMs: 5_000 };

const LINK_WAIT_MS = 5_000;

/**
 * Runner liveness from NATS itself: `$SYS` CONNECT / DISCONNECT events of the APP account on the
 * control plane's SYS connection, mapped to runners by their user nkey (Runner.publicKey).
 *
 * - Its last connection gone → OFFLINE at once, and `RunnerEvents.runnerLost` on this replica.
 * - Connected → ENROLLED (OFFLINE → ENROLLED only; heartbeats make it HEALTHY).
 * - One nkey with two live connections for longer than `cloneGraceMs` → a cloned identity: fenced
 *   (fencedAt, OFFLINE, AdminEvent `runner.fence` by `system`) and its key revoked, which cuts both.
 * - At start-up and after the SYS connection reconnects (events may have been missed), CONNZ says
 *   who is connected now.
 *
 * Every replica runs this and sees every event; the database writes are conditional, so repeating
 * them changes nothing, and only the replica whose write fenced a runner revokes its key.
 */
@Injectable()
export class RunnerLivenessService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly tracker = new ConnectionTracker();
  /** Database work per nkey, one at a time and in event order. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly cloneChecks = new Map<string, NodeJS.Timeout>();
  /** The SYS connection the events and CONNZ come from, once started. */
  private sysConnection: NatsConnection | undefined;
  private readonly subscriptions: Subscription[] = [];
  private readonly options: RunnerLivenessOptions;
  private readonly log: Logger;
  private stopped = false;
  private reconciling: Promise<void> | undefined;
  private markReady: () => void = () => undefined;
  private readonly firstReconcile = new Promise<void>((resolve) => (this.markReady = resolve));
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly system: SystemNatsLink,
    private readonly repository: RunnersRepository,
    private readonly credentials: RunnerCredentialsService,
    private readonly adminEvents: AdminEventsService,
    private readonly events: RunnerEvents,
    private readonly metrics: RunnerMetrics,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) logger: Logger,
    @Optional() @Inject(RUNNER_LIVENESS_OPTIONS) options?: Partial<RunnerLivenessOptions>,
  ) {
    this.options = { ...DEFAULT_RUNNER_LIVENESS_OPTIONS, ...options };
    this.log = logger.child({ component: 'runner-liveness' });
  }

  onApplicationBootstrap(): void {
    // Start-up does not wait for NATS (like NatsLink): liveness starts whenever SYS is reachable.
    void this.start();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    for (const timer of this.cloneChecks.values()) clearTimeout(timer);
    clearTimeout(this.retryTimer);
  }

  /**
   * Whether the runner's nkey has a live NATS connection; undefined until the first CONNZ
   * reconciliation (before it, "none seen" may only mean "not seen yet").
   */
  isConnected(publicKey: string): boolean | undefined {
    return this.tracker.ready ? this.tracker.count(publicKey) > 0 : undefined;
  }

  /**
   * Resolves once the first CONNZ reconciliation and the database updates it caused are done
   * (tests wait for it before they create runners the reconciliation would judge).
   */
  async ready(): Promise<void> {
    await this.firstReconcile;
    await Promise.all([...this.chains.values()]);
  }

  private async start(): Promise<void> {
    const connection = await this.connection();
    if (!connection) return;
    this.sysConnection = connection;
    const app = this.config.natsAuth.appAccount.publicKey;
    for (const subject of [sysSubjects.connect(app), sysSubjects.disconnect(app)]) {
      this.subscriptions.push(
        connection.subscribe(subject, {
          callback: (error, message) => {
            if (error) return this.log.error({ err: error.message, subject }, '$SYS subscription failed');
            const event = parseClientEvent(message.data);
            if (event) this.onEvent(event);
          },
        }),
      );
    }
    void this.watchReconnects(connection);
    await this.reconcile(connection);
  }

  private async connection(): Promise<NatsConnection | undefined> {
    while (!this.stopped) {
      try {
        return await this.system.link.connected(LINK_WAIT_MS);
      } catch {
        // NatsLink logs its own retries; keep waiting.
      }
    }
    return undefined;
  }

  /** Events are lost while the SYS connection is down: reconcile after every reconnect. */
  private async watchReconnects(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (this.stopped) return;
      if (status.type === 'reconnect') void this.reconcile(connection);
    }
  }

  private onEvent(event: ClientEvent): void {
    const { after } = this.tracker.apply(event);
    if (after < 2) this.cancelCloneCheck(event.userKey);
    if (event.kind === 'disconnect') {
      if (after === 0) this.enqueue(event.userKey, () => this.lost(event.userKey, event.reason));
    } else {
      this.enqueue(event.userKey, () => this.connected(event.userKey, true));
    }
  }

  private enqueue(userKey: string, work: () => Promise<void>): void {
    const previous = this.chains.get(userKey) ?? Promise.resolve();
    const next = previous.then(work).catch((error: unknown) => {
      this.log.error({ publicKey: userKey, err: error instanceof Error ? error.message : String(error) }, 'runner liveness update failed');
    });
    this.chains.set(userKey, next);
    void next.then(() => {
      if (this.chains.get(userKey) === next) this.chains.delete(userKey);
    });
  }

  /** Its last connection closed (or reconciliation found none). */
  private async lost(userKey: string, reason: string): Promise<void> {
    if (this.tracker.count(userKey) > 0) return; // reconnected meanwhile
    const runner = await this.repository.findByPublicKey(userKey);
    if (!runner) return;
    // Before the write: the relay fails its in-flight calls as early as possible.
    this.events.runnerLost(runner.id, reason);
    this.metrics.disconnects.inc({ reason });
    if (await this.repository.markOffline(runner.id)) {
      this.log.info({ runnerId: runner.id, reason }, 'runner offline');
      this.events.statusChanged(runner.id, 'OFFLINE');
    }
  }

  /** At least one connection is live: ENROLLED if it was OFFLINE; clone check when there are two. */
  private async connected(userKey: string, fromEvent: boolean): Promise<void> {
    const count = this.tracker.count(userKey);
    if (count === 0) return; // gone again meanwhile; its disconnect is queued behind this
    const runner = await this.repository.findByPublicKey(userKey);
    if (!runner) return;
    if (runner.fencedAt || runner.revokedAt) return this.cutAgain(runner);
    if (await this.repository.markConnected(runner.id)) {
      this.log.info({ runnerId: runner.id, connections: count }, 'runner connected');
      this.events.statusChanged(runner.id, 'ENROLLED');
    }
    if (fromEvent) this.events.runnerConnected(runner.id);
    if (count >= 2) this.scheduleCloneCheck(userKey, runner.id);
  }

  private scheduleCloneCheck(userKey: string, runnerId: string): void {
    if (this.cloneChecks.has(userKey) || this.stopped) return;
    this.log.warn(
      { runnerId, connections: this.tracker.connectionsOf(userKey), graceMs: this.options.cloneGraceMs },
      'runner credential connected twice; fencing it unless one connection goes away',
    );
    const timer = setTimeout(() => {
      this.cloneChecks.delete(userKey);
      if (this.tracker.count(userKey) >= 2) this.enqueue(userKey, () => this.fence(userKey));
    }, this.options.cloneGraceMs);
    timer.unref();
    this.cloneChecks.set(userKey, timer);
  }

  private cancelCloneCheck(userKey: string): void {
    clearTimeout(this.cloneChecks.get(userKey));
    this.cloneChecks.delete(userKey);
  }

  private async fence(userKey: string): Promise<void> {
    if (this.tracker.count(userKey) < 2) return;
    // Revoking a credential cannot be taken back: the server's own list must show the two
    // connections too. The tracker can hold one that ended while this replica did not hear of it
    // (a nats-server restart cuts the $SYS events along with everything else).
    const listed = await this.connectionsListedFor(userKey);
    if (listed !== undefined && listed.length < 2) {
      this.log.info({ publicKey: userKey, listed: listed.length }, 'clone check: the server lists fewer than two connections of the credential; not fenced, reconciling');
      if (this.sysConnection) void this.reconcile(this.sysConnection);
      return;
    }
    const connections = listed ?? this.tracker.connectionsOf(userKey);
    const runner = await this.repository.findByPublicKey(userKey);
    if (!runner) return;
    const reason = 'its credential is connected twice (cloned identity)';
    this.events.runnerLost(runner.id, `fenced: ${reason}`);
    const fencedHere = await this.adminEvents.transaction(async (tx) => {
      if (!(await this.repository.fence(tx, runner.id, new Date()))) return false;
      await this.adminEvents.record(tx, SYSTEM_ACTOR, 'runner.fence', 'Runner', runner.id, {
        publicKey: userKey,
        reason,
        connections: connections.map(({ serverId, cid, host, name }) => ({ serverId, cid, host: host ?? null, name: name ?? null })),
      });
      return true;
    });
    if (!fencedHere) return; // another replica fenced it and revokes the key
    this.metrics.fenced.inc();
    this.log.warn({ runnerId: runner.id, connections: connections.length }, 'runner fenced: credential connected twice; revoking its key');
    this.events.statusChanged(runner.id, 'OFFLINE');
    await this.credentials.revokeRunnerKey(userKey);
  }

  /** The credential's connections as CONNZ lists them now; undefined when CONNZ does not answer (the tracker decides then). */
  private async connectionsListedFor(userKey: string): Promise<LiveConnection[] | undefined> {
    if (!this.sysConnection) return undefined;
    try {
      return (await fetchAccountConnections(this.sysConnection, this.config.natsAuth.appAccount.publicKey)).filter((connection) => connection.userKey === userKey);
    } catch (error) {
      this.log.warn({ publicKey: userKey, err: (error as Error).message }, 'clone check: CONNZ did not answer; deciding on the events heard');
      return undefined;
    }
  }

  /** A fenced or revoked runner has a live connection: its revocation did not (yet) take. */
  private async cutAgain(runner: Runner): Promise<void> {
    this.log.warn({ runnerId: runner.id, fenced: Boolean(runner.fencedAt), revoked: Boolean(runner.revokedAt) }, 'a fenced or revoked runner is connected: revoking its key again');
    await this.credentials.revokeRunnerKey(runner.publicKey);
  }

  /** Rebuilds the connection state from CONNZ and brings every affected runner's status in line. */
  private reconcile(connection: NatsConnection): Promise<void> {
    // One at a time; a request while one runs is served by that one's fresh snapshot.
    this.reconciling ??= this.reconcileOnce(connection).finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private async reconcileOnce(connection: NatsConnection): Promise<void> {
    this.tracker.beginSnapshot();
    try {
      this.tracker.finishSnapshot(await fetchAccountConnections(connection, this.config.natsAuth.appAccount.publicKey));
    } catch (error) {
      this.tracker.abortSnapshot();
      this.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'CONNZ reconciliation failed; retrying');
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.reconcile(connection), this.options.reconcileRetryMs);
      this.retryTimer.unref();
      return;
    }
    const live = this.tracker.liveKeys();
    for (const userKey of live) this.enqueue(userKey, () => this.connected(userKey, false));
    const liveSet = new Set(live);
    for (const runner of await this.repository.findReportingIn()) {
      if (!liveSet.has(runner.publicKey)) this.enqueue(runner.publicKey, () => this.lost(runner.publicKey, 'not connected (reconciliation)'));
    }
    this.log.info({ connections: live.length }, 'runner connections reconciled from CONNZ');
    this.markReady();
  }
}
