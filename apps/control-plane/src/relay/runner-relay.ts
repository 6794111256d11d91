import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  assertSubjectToken,
  callAckSchema,
  callEnvelopeSchema,
  controlMessageSchema,
  decode,
  DomainError,
  encode,
  ErrorCode,
  NATS_DEFAULT_MAX_PAYLOAD,
  subjects,
  type CallAck,
  type CallMessage,
} from '@switchyard/protocol';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { NatsLink } from '../connections/nats-link.js';
import { LOGGER } from '../logging/logging.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RunnerEvents } from '../runners/runner-events.js';
import { AckRequests } from './ack-requests.js';
import { RelaySession, type SessionLimits, type SessionLink, type SessionTarget } from './relay-session.js';
import { UpstreamIntake, type DropReason } from './upstream-intake.js';

export const RELAY_OPTIONS = Symbol('RelayOptions');

export interface RelayOptions extends Partial<SessionLimits> {
  /** How long the runner has to acknowledge a call (the ack, not the result: results have no timeout). */
  ackTimeoutMs?: number;
  /** How long a first call waits for the control plane's NATS connection. */
  connectTimeoutMs?: number;
}

const DEFAULTS: Required<RelayOptions> = { ackTimeoutMs: 10_000, connectTimeoutMs: 5_000, maxBuffered: 10_000, gapTimeoutMs: 10_000 };

/**
 * The control plane's side of the relay: sessions to upstream MCP servers on runners, over NATS.
 *
 * It subscribes to every runner's `sy.cp.*.msg` — not as a queue group, which would spread one
 * runner's messages over replicas and break both a session's order and chunk reassembly
 * (docs/protocol.md, "Receiving"). So today every replica receives every runner's messages and only
 * the replica holding the session consumes them: fine for a few replicas, wasteful for many. The
 * scale-out step is for a replica to subscribe to `sy.cp.<id>.msg` of the runners it holds sessions
 * on (or to hand messages over `sy.gw.sess.<id>`), see docs/relay.md.
 */
@Injectable()
export class RunnerRelay implements OnApplicationShutdown {
  /** Messages dropped on arrival, by reason; `forged` = a runner named a session of another runner. */
  readonly dropped: Record<DropReason, number> = { forged: 0, 'not-here': 0, invalid: 0, 'chunk-error': 0 };
  private readonly sessions = new Map<string, RelaySession>();
  private readonly sessionsByRunner = new Map<string, Set<RelaySession>>();
  private readonly intake = new UpstreamIntake((runnerId) => this.sessionsByRunner.has(runnerId));
  private readonly options: Required<RelayOptions>;
  private readonly droppedCounter: Counter<'reason'> | undefined;
  private readonly link: SessionLink;
  private subscribed: Promise<NatsConnection> | undefined;
  private subscription: Subscription | undefined;
  /** The calls' acknowledgements, on the connection `subscribed` resolved. */
  private acks: AckRequests | undefined;
  private shuttingDown = false;

  constructor(
    private readonly nats: NatsLink,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(RELAY_OPTIONS) options?: RelayOptions,
    @Optional() metrics?: MetricsService,
    // Liveness decides that a call is lost: `$SYS` DISCONNECT of the runner's last connection.
    @Optional() events?: RunnerEvents,
  ) {
    this.options = { ...DEFAULTS, ...options };
    events?.onRunnerLost((runnerId, reason) => this.runnerLost(runnerId, reason));
    this.droppedCounter = metrics
      ? new Counter({ name: 'switchyard_relay_dropped_messages_total', help: 'Upstream messages from runners dropped on arrival, by reason', labelNames: ['reason'] as const, registers: [metrics.registry] })
      : undefined;
    this.link = {
      request: (runnerId, call) => this.request(runnerId, call),
      publishControl: (runnerId, message) => this.publishControl(runnerId, message),
      forget: (session) => this.forget(session),
    };
  }

  /**
   * Opens a relay session to a runner; nothing is sent until the first `send` (the client's
   * `initialize`, which makes the runner claim the upstream). The session id must be unique among
   * this replica's open sessions.
   */
  openSession(runnerId: string, target: SessionTarget): RelaySession {
    assertSubjectToken('runnerId', runnerId);
    for (const [field, value] of Object.entries(target)) assertSubjectToken(field, value);
    if (this.shuttingDown) throw new DomainError(ErrorCode.UPSTREAM_FAILED, 'the control plane is shutting down');
    if (this.sessions.has(target.sessionId)) throw DomainError.conflict(`relay session ${target.sessionId} is already open`);
    const session = new RelaySession(runnerId, { ...target }, this.link, { maxBuffered: this.options.maxBuffered, gapTimeoutMs: this.options.gapTimeoutMs });
    this.sessions.set(target.sessionId, session);
    const ofRunner = this.sessionsByRunner.get(runnerId) ?? new Set<RelaySession>();
    ofRunner.add(session);
    this.sessionsByRunner.set(runnerId, ofRunner);
    void this.ready().catch(() => undefined); // subscribe early; send() reports a failure
    return session;
  }

  /**
   * The runner dropped off NATS (liveness, from `$SYS` DISCONNECT): its sessions fail at once with
   * UPSTREAM_FAILED instead of waiting for answers that cannot come. This is what decides that a
   * call is lost — there is no result timeout. Wired to RunnerEvents.onRunnerLost.
   */
  runnerLost(runnerId: string, reason: string): void {
    const ofRunner = this.sessionsByRunner.get(runnerId);
    this.intake.forgetRunner(runnerId);
    if (ofRunner === undefined) return;
    const error = new DomainError(ErrorCode.UPSTREAM_FAILED, `runner ${runnerId} disconnected: ${reason}`, { runnerId, reason: 'RUNNER_LOST' });
    const failing = [...ofRunner];
    for (const session of failing) session.fail(error, { releaseUpstream: false });
    this.logger.warn({ runnerId, sessions: failing.length, reason }, 'runner lost: its relay sessions failed');
  }

  /** Sessions open on this replica (all runners). */
  get openSessions(): number {
    return this.sessions.size;
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    // Release the runners' upstreams while the NATS connection is still up.
    for (const session of [...this.sessions.values()]) session.close('the control plane is shutting down');
    this.subscription?.unsubscribe();
    this.acks?.close();
  }

  /** Subscribed to `sy.cp.*.msg` (and the server knows it) before the first call goes out. */
  private ready(): Promise<NatsConnection> {
    this.subscribed ??= (async () => {
      const nc = await this.nats.connected(this.options.connectTimeoutMs);
      this.subscription = nc.subscribe(subjects.allMessages(), { callback: (error, msg) => (error ? this.subscriptionFailed(error) : this.receive(msg)) });
      this.acks?.close(); // a subscription that failed: what waited on the old one fails too
      this.acks = new AckRequests(nc);
      await nc.flush();
      return nc;
    })().catch((error: unknown) => {
      this.subscribed = undefined; // the next call tries again
      throw new DomainError(ErrorCode.UPSTREAM_FAILED, `the control plane's NATS connection is not available: ${(error as Error).message}`);
    });
    return this.subscribed;
  }

  private receive(msg: Msg): void {
    const taken = this.intake.take(msg.subject, msg.data, Date.now());
    if (taken.kind === 'partial') return;
    if (taken.kind === 'dropped') return this.drop(taken.reason, { runnerId: taken.runnerId, detail: taken.detail });
    const { runnerId, message } = taken;
    const session = this.sessions.get(message.sessionId);
    if (session === undefined) return this.drop('not-here', { runnerId });
    if (session.runnerId !== runnerId) {
      // The subject names the sender (NATS permissions); the body names a session. A runner must
      // never speak for another runner's session.
      return this.drop('forged', { runnerId, sessionId: message.sessionId, owner: session.runnerId });
    }
    session.accept(message);
  }

  private drop(reason: DropReason, context: { runnerId?: string; sessionId?: string; owner?: string; detail?: string }): void {
    this.dropped[reason] += 1;
    this.droppedCounter?.inc({ reason });
    // Another replica's session is the normal case of "not here"; the rest deserve a warning.
    if (reason === 'not-here') this.logger.trace({ ...context, reason }, 'upstream message dropped');
    else this.logger.warn({ ...context, reason }, 'upstream message dropped');
  }

  private subscriptionFailed(error: Error): void {
    this.logger.error({ err: error.message }, 'relay subscription to runner messages failed');
    this.subscribed = undefined;
  }

  private async request(runnerId: string, call: CallMessage): Promise<CallAck> {
    const nc = await this.ready();
    const bytes = encode(callEnvelopeSchema, call);
    const maxPayload = nc.info?.max_payload ?? NATS_DEFAULT_MAX_PAYLOAD;
    if (bytes.byteLength > maxPayload) {
      // Client → server messages travel as one NATS request; only server → client ones are chunked.
      throw new DomainError(ErrorCode.BAD_USER_INPUT, `a ${bytes.byteLength}-byte message is larger than the ${maxPayload} bytes NATS carries in one request`);
    }
    let outcome;
    try {
      outcome = await (this.acks as AckRequests).request(subjects.runCall(runnerId), bytes, this.options.ackTimeoutMs);
    } catch (error) {
      throw new DomainError(ErrorCode.UPSTREAM_FAILED, `could not reach runner ${runnerId}: ${(error as Error).message}`, { runnerId });
    }
    switch (outcome.kind) {
      case 'reply':
        return decode(callAckSchema, outcome.msg.data);
      case 'no-responders':
        // Nothing received the call, so nothing ran: a new session may try the next runner (a runner
        // just lost stays in routing until liveness and the snapshot catch up).
        throw new DomainError(ErrorCode.UPSTREAM_FAILED, `runner ${runnerId} is not connected (nothing listens on its call subject)`, { runnerId, reason: 'NO_RESPONDERS', retryableElsewhere: true });
      case 'timeout':
        throw new DomainError(ErrorCode.UPSTREAM_FAILED, `runner ${runnerId} did not acknowledge the call within ${this.options.ackTimeoutMs} ms`, { runnerId, reason: 'ACK_TIMEOUT' });
      case 'closed':
        throw new DomainError(ErrorCode.UPSTREAM_FAILED, `could not reach runner ${runnerId}: the control plane's NATS connection closed`, { runnerId });
    }
  }

  private publishControl(runnerId: string, message: Parameters<SessionLink['publishControl']>[1]): void {
    const nc = this.nats.connection;
    if (nc === undefined || nc.isClosed()) return; // the runner learns of it when its session's next call fails
    try {
      nc.publish(subjects.runCtl(runnerId), encode(controlMessageSchema, message));
    } catch (error) {
      this.logger.warn({ runnerId, type: message.type, sessionId: message.sessionId, err: (error as Error).message }, 'could not send a control message to the runner');
    }
  }

  private forget(session: RelaySession): void {
    if (this.sessions.get(session.sessionId) === session) this.sessions.delete(session.sessionId);
    const ofRunner = this.sessionsByRunner.get(session.runnerId);
    if (ofRunner === undefined) return;
    ofRunner.delete(session);
    if (ofRunner.size === 0) {
      this.sessionsByRunner.delete(session.runnerId);
      this.intake.forgetRunner(session.runnerId);
    }
  }
}
