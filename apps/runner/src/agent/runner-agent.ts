import { connect, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { callAckSchema, callMessageSchema, decode, encode, heartbeatSchema, RUNNER_PROTOCOL_VERSION, subjects } from '@switchyard/protocol';
import type { Logger } from 'pino';
import type { GpuInfo } from '../gpu/nvidia-smi.js';
import { systemClock, type Clock, type Rng } from '../supervisor/clock.js';
import type { ServerStatus } from '../supervisor/server-status.js';
import { describeConnectError, isCredentialRefusal, logConnectionStatus } from './connection-status.js';
import { CredentialRefusalGrace, exitOnClose } from './credential-refusal.js';
import { ControlDispatcher, type ControlHandler, type ControlType } from './control-dispatcher.js';
import type { CredentialStore } from './credential-store.js';
import { buildHeartbeat, GpuInventory } from './heartbeat.js';
import { ReconnectBackoff } from './reconnect-backoff.js';
import { RenewalScheduler } from './renewal.js';

/**
 * Handles one request on `sy.run.<id>.call` (the relay): answer it exactly once with a call
 * acknowledgement (`msg.respond(encode(callAckSchema, …))`); results go to `sy.cp.<id>.msg`.
 * While the runner drains, the agent answers DRAINING itself and does not call the handler —
 * unless the handler says it drains by itself (CallHandlerLifecycle).
 */
export type CallHandler = (msg: Msg) => void | Promise<void>;

/**
 * A relay that takes part in drain and shutdown. With it, the agent keeps handing it every message
 * while draining (answers to server→client requests and notifications of in-flight calls must
 * still pass; the relay refuses only new sessions and requests) and closes it before leaving NATS.
 */
export interface CallHandlerLifecycle {
  drain(): void;
  /** Fails what is still in flight after the grace period, telling the control plane why. */
  close(reason: string): Promise<void>;
}

/** What the supervisor offers the agent: server states for heartbeats, and a stop at shutdown. */
export interface SupervisedServers {
  status(): ServerStatus[];
  stopAll(): Promise<void>;
}

/** Why the agent stopped. `credentials-refused`: revoked, expired or unknown — enroll again. */
export type AgentExit = { reason: 'shutdown' } | { reason: 'credentials-refused'; message: string } | { reason: 'connection-closed'; message: string };

export interface RunnerAgentOptions {
  runnerId: string;
  natsUrls: readonly string[];
  credentials: CredentialStore;
  /** PEM of the CA for tls:// NATS URLs; null: the system's trust store. */
  caPem: string | null;
  supervisor: SupervisedServers;
  logger: Logger;
  softwareVersion: string;
  capacity: number;
  heartbeatIntervalMs: number;
  /** How long in-flight calls may take to finish on shutdown. */
  drainGraceMs: number;
  detectGpus: () => Promise<GpuInfo[]>;
  clock?: Clock;
  rng?: Rng;
  /** Base of the jittered reconnect wait (ms); each wait is between this and twice this. */
  reconnectTimeWaitMs?: number;
}

const DRAIN_POLL_MS = 100;
/** The longest wait between two reconnect attempts. */
const MAX_RECONNECT_WAIT_MS = 30_000;

/**
 * The runner's side of NATS: one connection with the runner's own credentials, heartbeats,
 * renewal, the control subject and the call subject. The assignment and relay code plug in with
 * `onControl` and `onCall` (see agent-plugins.ts).
 */
export class RunnerAgent {
  readonly runnerId: string;
  private nc: NatsConnection | undefined;
  private readonly control: ControlDispatcher;
  private readonly gpus: GpuInventory;
  private readonly renewal: RenewalScheduler;
  private readonly clock: Clock;
  private callHandler: CallHandler | undefined;
  private callLifecycle: CallHandlerLifecycle | undefined;
  private callSubscription: Subscription | undefined;
  private inFlight: () => number = () => 0;
  private isDraining = false;
  private seq = 0;
  private cancelHeartbeat: (() => void) | undefined;
  private heartbeatsStopped = false;
  private earlyHeartbeat = false;
  /** Decides when refusals of the credential on reconnect mean revoked (credential-refusal.ts). */
  private readonly refusals = new CredentialRefusalGrace();
  private stopping: Promise<void> | undefined;
  private resolveExit!: (exit: AgentExit) => void;
  /** Resolves once the agent has stopped, saying why. */
  readonly exited: Promise<AgentExit>;

  constructor(private readonly options: RunnerAgentOptions) {
    this.runnerId = options.runnerId;
    this.clock = options.clock ?? systemClock;
    this.control = new ControlDispatcher(options.logger);
    this.gpus = new GpuInventory(options.detectGpus);
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    this.renewal = new RenewalScheduler({
      runnerId: options.runnerId,
      publicKey: options.credentials.publicKey,
      connection: () => this.nc,
      times: () => options.credentials.times(),
      accept: (jwt) => options.credentials.replaceJwt(jwt),
      refused: (response) => void this.stop({ reason: 'credentials-refused', message: `${response.error.code}: ${response.error.message}` }),
      renewed: (previousExpiresAt) => void this.reconnectWhenIdle(previousExpiresAt),
      logger: options.logger.child({ component: 'renewal' }),
      clock: this.clock,
      rng: options.rng ?? Math.random,
    });
    this.control.on('drain', async (message) => {
      if (this.isDraining) return;
      await this.drain(`drain requested by the control plane (grace ${message.graceMs} ms)`);
      // Then what is still in flight fails with a clear error; the runner stays connected, serving nothing.
      this.clock.schedule(message.graceMs, () => {
        if (this.stopping || this.inFlight() === 0) return;
        this.options.logger.warn({ inFlight: this.inFlight(), graceMs: message.graceMs }, 'drain grace period over; failing in-flight calls');
        void this.callLifecycle?.close('the runner was drained and its grace period is over');
      });
    });
  }

  /** The live connection (for publishing on `sy.cp.<id>.msg`); undefined before start. */
  get connection(): NatsConnection | undefined {
    return this.nc;
  }

  /** True once the runner stopped taking calls (SIGTERM or a drain message). */
  get draining(): boolean {
    return this.isDraining;
  }

  /** Registers a handler for one type of control message; returns an unsubscribe. */
  onControl<T extends ControlType>(type: T, handler: ControlHandler<T>): () => void {
    return this.control.on(type, handler);
  }

  /** Registers THE call handler (one relay per runner) and subscribes to `sy.run.<id>.call`. */
  onCall(handler: CallHandler, lifecycle?: CallHandlerLifecycle): void {
    if (this.callHandler) throw new Error('a call handler is already registered');
    this.callHandler = handler;
    this.callLifecycle = lifecycle;
    if (this.nc) this.subscribeCalls(this.nc);
  }

  /** How many calls are in flight (reported in heartbeats, awaited on shutdown). */
  setInFlightCounter(counter: () => number): void {
    this.inFlight = counter;
  }

  /**
   * Connects (waiting for NATS if it is down; a refused credential fails at once), subscribes,
   * sends the first heartbeat and starts the timers.
   */
  async start(): Promise<void> {
    const { options } = this;
    const wait = options.reconnectTimeWaitMs ?? 1_000;
    const backoff = new ReconnectBackoff({ baseMs: wait, maxMs: MAX_RECONNECT_WAIT_MS, now: () => this.clock.now(), rng: options.rng ?? Math.random });
    const tls = options.caPem ? { ca: options.caPem } : options.natsUrls.some((url) => url.startsWith('tls://')) ? {} : undefined;
    const nc = await this.firstConnect(() =>
      connect({
        servers: [...options.natsUrls],
        name: `switchyard-runner ${this.runnerId}`,
        inboxPrefix: subjects.runnerInboxPrefix(this.runnerId),
        authenticator: options.credentials.authenticator(),
        maxReconnectAttempts: -1,
        // Jittered exponential backoff (reconnect-backoff.ts): runners cut off together come back
        // spread out, and a long outage is not hammered every second.
        reconnectDelayHandler: () => backoff.nextDelay(),
        // nats.js gives up after two refusals in a row; a nats-server that just restarted can refuse
        // a valid credential for a moment. The agent decides instead (onCredentialRefused).
        ignoreAuthErrorAbort: true,
        // Notice a dead server within ~30 s even when nothing is being sent.
        pingInterval: 10_000,
        maxPingOut: 3,
        timeout: 10_000,
        ...(tls ? { tls } : {}),
      }),
    );
    if (!nc) return; // stopped while NATS was still unreachable
    this.nc = nc;
    options.logger.info({ servers: options.natsUrls, runnerId: this.runnerId }, 'connected to NATS');
    void logConnectionStatus(nc, options.logger.child({ component: 'nats' }), {
      onReconnect: () => {
        backoff.reset();
        this.refusals.connected();
      },
      onCredentialRefused: (error) => this.onCredentialRefused(nc, error),
    });
    void nc.closed().then((error) => this.onClosed(error ?? undefined));

    nc.subscribe(subjects.runCtl(this.runnerId), {
      callback: (error, msg) => {
        if (error) options.logger.error({ err: error.message }, 'control subscription failed');
        else void this.control.receive(msg.data);
      },
    });
    if (this.callHandler) this.subscribeCalls(nc);
    await nc.flush();
    await this.heartbeat();
    this.scheduleHeartbeat();
    this.renewal.start();
  }

  /**
   * The first connection: NATS may be down when the runner starts (a host booting before the
   * network, a NATS upgrade), so keep trying with jittered backoff — in our own loop, not with
   * waitOnFirstConnect, so that a shutdown in the meantime can stop it. A refused credential is
   * final and thrown at once.
   */
  private async firstConnect(dial: () => Promise<NatsConnection>): Promise<NatsConnection | undefined> {
    const base = this.options.reconnectTimeWaitMs ?? 1_000;
    const rng = this.options.rng ?? Math.random;
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const nc = await dial();
        if (!this.stopping) return nc;
        await nc.close();
        return undefined;
      } catch (error) {
        if (isCredentialRefusal(error)) throw error;
        const delay = Math.min(base * 2 ** Math.min(attempt - 1, 5), 30_000) * (0.5 + rng() / 2);
        if (attempt === 1 || attempt % 10 === 0) {
          this.options.logger.warn({ err: (error as Error).message, attempt, retryInMs: Math.round(delay) }, `${describeConnectError(error)}; retrying`);
        }
        await new Promise((resolve) => this.clock.schedule(delay, () => resolve(undefined)));
      }
    }
    return undefined;
  }

  /** SIGTERM: stop taking calls, let in-flight ones finish (up to the grace), leave NATS, stop the servers. */
  shutdown(): Promise<void> {
    return this.stop({ reason: 'shutdown' });
  }

  private async drain(why: string): Promise<void> {
    if (this.isDraining) return;
    this.isDraining = true;
    this.callLifecycle?.drain();
    this.options.logger.info({ inFlight: this.inFlight() }, `draining: ${why}`);
    // Tell the control plane at once rather than at the next tick.
    await this.heartbeat();
  }

  private stop(exit: AgentExit): Promise<void> {
    this.stopping ??= this.stopNow(exit);
    return this.stopping;
  }

  private async stopNow(exit: AgentExit): Promise<void> {
    const { logger, drainGraceMs } = this.options;
    if (exit.reason === 'shutdown') {
      await this.drain('shutting down');
      const deadline = this.clock.now() + drainGraceMs;
      while (this.inFlight() > 0 && this.clock.now() < deadline) await new Promise((resolve) => this.clock.schedule(DRAIN_POLL_MS, () => resolve(undefined)));
      if (this.inFlight() > 0) logger.warn({ inFlight: this.inFlight(), graceMs: drainGraceMs }, 'drain grace period over; abandoning in-flight calls');
    }
    await this.callLifecycle?.close(exit.reason === 'shutdown' ? 'the runner is shutting down' : `the runner stopped: ${exit.message}`).catch((error: Error) => {
      logger.warn({ err: error.message }, 'closing the relay failed');
    });
    this.heartbeatsStopped = true;
    this.cancelHeartbeat?.();
    this.renewal.stop();
    const nc = this.nc;
    if (nc && !nc.isClosed()) {
      // drain(): unsubscribe, deliver what was received, flush what was published, then close.
      await nc.drain().catch((error: Error) => logger.warn({ err: error.message }, 'NATS drain failed; closing'));
    }
    await this.options.supervisor.stopAll().catch((error: Error) => logger.error({ err: error.message }, 'stopping MCP servers failed'));
    logger.info({ reason: exit.reason }, 'runner stopped');
    this.resolveExit(exit);
  }

  /**
   * Refused for the grace (CREDENTIAL_REFUSAL_GRACE_MS) without a connection in between: revoked or
   * expired, not a server that is still loading its accounts after a restart. Then the connection
   * is closed and the agent stops (exit 3: enroll again).
   */
  private onCredentialRefused(nc: NatsConnection, error: Error): void {
    if (this.refusals.refused(this.clock.now(), error.message)) void nc.close();
  }

  private onClosed(error: Error | undefined): void {
    if (this.stopping) return;
    const exit = exitOnClose(this.refusals.refusal, error);
    this.options.logger.error(
      { err: exit.message },
      exit.reason === 'credentials-refused' ? 'NATS refused this runner\'s credentials (revoked or expired): enroll again' : 'NATS connection closed for good',
    );
    void this.stop(exit);
  }

  private subscribeCalls(nc: NatsConnection): void {
    if (this.callSubscription) return;
    this.callSubscription = nc.subscribe(subjects.runCall(this.runnerId), {
      callback: (error, msg) => {
        if (error) this.options.logger.error({ err: error.message }, 'call subscription failed');
        else void this.dispatchCall(msg);
      },
    });
  }

  private async dispatchCall(msg: Msg): Promise<void> {
    if (this.isDraining && this.callLifecycle === undefined) {
      this.rejectDraining(msg);
      return;
    }
    try {
      await this.callHandler?.(msg);
    } catch (error) {
      this.options.logger.error({ err: (error as Error).message }, 'call handler failed');
    }
  }

  private rejectDraining(msg: Msg): void {
    let callId: string;
    try {
      callId = decode(callMessageSchema, msg.data).callId;
    } catch {
      return; // not a call we can name in an acknowledgement; the control plane's request times out
    }
    msg.respond(
      encode(callAckSchema, {
        v: RUNNER_PROTOCOL_VERSION,
        callId,
        status: 'rejected',
        error: { code: 'DRAINING', message: 'this runner is shutting down and takes no new calls' },
      }),
    );
  }

  /**
   * Sends a heartbeat now instead of at the next tick (a server changed state: the control plane
   * should not route to a crashed server, or wait seconds to learn one is up), then keeps the
   * usual rhythm from here. Calls within one event-loop turn share one heartbeat.
   */
  heartbeatSoon(): void {
    if (this.heartbeatsStopped || this.nc === undefined || this.earlyHeartbeat) return;
    this.earlyHeartbeat = true;
    queueMicrotask(() => {
      this.earlyHeartbeat = false;
      if (this.heartbeatsStopped) return;
      this.cancelHeartbeat?.();
      void this.heartbeat().finally(() => this.scheduleHeartbeat());
    });
  }

  private scheduleHeartbeat(): void {
    if (this.heartbeatsStopped) return;
    // One timer at a time: an early heartbeat and a periodic one in flight both reschedule.
    this.cancelHeartbeat?.();
    this.cancelHeartbeat = this.clock.schedule(this.options.heartbeatIntervalMs, () => {
      void this.heartbeat().finally(() => {
        if (!this.heartbeatsStopped) this.scheduleHeartbeat();
      });
    });
  }

  private async heartbeat(): Promise<void> {
    const nc = this.nc;
    if (!nc || nc.isClosed() || nc.isDraining()) return;
    try {
      const message = buildHeartbeat({
        seq: this.seq++,
        now: new Date(this.clock.now()),
        softwareVersion: this.options.softwareVersion,
        capacity: this.options.capacity,
        inFlight: this.inFlight(),
        servers: this.options.supervisor.status(),
        gpus: await this.gpus.current(),
        draining: this.isDraining,
      });
      // While reconnecting, nats.js buffers the publish and sends it once the link is back.
      nc.publish(subjects.cpHeartbeat(this.runnerId), encode(heartbeatSchema, message));
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'could not send a heartbeat');
    }
  }

  /**
   * A connection keeps the JWT it connected with and the server closes it when that JWT expires.
   * So after a renewal the agent reconnects by itself, at a quiet moment if it can: no call in
   * flight, or else a while before the old JWT runs out.
   */
  private async reconnectWhenIdle(previousExpiresAt: Date | null): Promise<void> {
    const nc = this.nc;
    if (!nc) return;
    const latest = Math.min(this.clock.now() + 60_000, previousExpiresAt ? previousExpiresAt.getTime() - 5_000 : Number.MAX_SAFE_INTEGER);
    while (this.inFlight() > 0 && this.clock.now() < latest && !this.stopping) {
      await new Promise((resolve) => this.clock.schedule(DRAIN_POLL_MS * 10, () => resolve(undefined)));
    }
    if (this.stopping || nc.isClosed() || nc.isDraining()) return;
    this.options.logger.info('reconnecting to NATS with the renewed credentials');
    await nc.reconnect().catch((error: Error) => this.options.logger.warn({ err: error.message }, 'reconnect after renewal failed'));
  }
}
