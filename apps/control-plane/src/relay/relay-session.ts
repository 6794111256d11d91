import { randomUUID } from 'node:crypto';
import {
  DomainError,
  ErrorCode,
  RUNNER_PROTOCOL_VERSION,
  type CallAck,
  type CallMessage,
  type CancelMessage,
  type CloseSessionMessage,
  type JsonRpcMessage,
  type UpstreamMessage,
} from '@switchyard/protocol';
import { EventQueue } from './event-queue.js';
import { rejectionError } from './rejection-error.js';
import { SeqReorder } from './seq-reorder.js';

/** Where a session runs: the router's choice, pinned for the session's life. */
export interface SessionTarget {
  sessionId: string;
  deploymentId: string;
  versionId: string;
}

type UpstreamErrorCode = Extract<UpstreamMessage, { kind: 'error' }>['error']['code'];

/**
 * What a session yields, in the upstream's order:
 * - `message`: a JSON-RPC message from the server (a result, a notification, a server → client
 *   request), with the call it belongs to when the runner knows it (the answer or the progress of
 *   a request sent with that call id);
 * - `call-failed`: the runner gave up on one call (CANCELLED after `cancel`, UPSTREAM_EXITED when
 *   the server died with it in flight…). No JSON-RPC answer for it will follow.
 */
export type RelayEvent =
  | { type: 'message'; message: JsonRpcMessage; callId?: string }
  | { type: 'call-failed'; callId: string; code: UpstreamErrorCode; message: string };

export interface SendOptions {
  /** The audit row's id for a tool call; default: a fresh UUID. */
  callId?: string;
  /** W3C trace context, so the runner's spans join the call's trace. */
  traceparent?: string;
  /** When the control plane gives up on the call; the runner then cancels it upstream. */
  deadline?: Date;
}

/** What a session needs from the relay that owns it (NATS and bookkeeping). */
export interface SessionLink {
  request(runnerId: string, call: CallMessage): Promise<CallAck>;
  publishControl(runnerId: string, message: CancelMessage | CloseSessionMessage): void;
  forget(session: RelaySession): void;
}

export interface SessionLimits {
  /** Events buffered for a consumer that is not reading; beyond it the session fails. */
  maxBuffered: number;
  /** How long a gap in `seq` may stay open before the session fails (a message NATS lost). */
  gapTimeoutMs: number;
}

type State = 'open' | 'closed' | 'failed';

/**
 * One client session relayed to one runner. `send` writes a client message upstream (and
 * resolves once the runner acknowledged it); `messages` yields what the upstream sends, in order;
 * `close` ends it. The result of a call arrives on `messages`, not from `send`: a call may run for
 * minutes, and only the runner's liveness (not a timeout) decides that it is lost.
 */
export class RelaySession {
  private state: State = 'open';
  private failure: DomainError | undefined;
  private accepted = false;
  private readonly queue: EventQueue<RelayEvent>;
  private readonly order = new SeqReorder<UpstreamMessage>();
  private gapTimer: NodeJS.Timeout | undefined;
  private ended!: (error: DomainError) => void;
  /** Rejects when the session ends, so that a `send` waiting for its ack does not outlive it. */
  private readonly endedPromise = new Promise<never>((_, reject) => (this.ended = reject));

  constructor(
    readonly runnerId: string,
    readonly target: SessionTarget,
    private readonly link: SessionLink,
    private readonly limits: SessionLimits,
  ) {
    this.queue = new EventQueue(limits.maxBuffered);
    this.endedPromise.catch(() => undefined);
  }

  get sessionId(): string {
    return this.target.sessionId;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** The upstream's messages and call failures in order; ends after `close`, throws when the session fails. */
  get messages(): AsyncIterable<RelayEvent> {
    return this.queue;
  }

  /** Sends one client → upstream JSON-RPC message; resolves with its call id once the runner accepted it. */
  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<{ callId: string }> {
    this.assertOpen();
    const callId = options.callId ?? randomUUID();
    const call: CallMessage = {
      v: RUNNER_PROTOCOL_VERSION,
      callId,
      ...this.target,
      message,
      ...(options.traceparent === undefined ? {} : { traceparent: options.traceparent }),
      ...(options.deadline === undefined ? {} : { deadline: options.deadline.toISOString() }),
    };
    const ack = await Promise.race([this.link.request(this.runnerId, call), this.endedPromise]);
    if (ack.callId !== callId) {
      throw new DomainError(ErrorCode.PROTOCOL_ERROR, `runner ${this.runnerId} acknowledged call ${ack.callId} instead of ${callId}`);
    }
    if (ack.status === 'rejected') throw rejectionError(this.runnerId, ack.error);
    this.accepted = true;
    return { callId };
  }

  /** Cancels a call on the runner (the client went away, or a deadline of the gateway's passed). */
  cancel(callId: string, reason: string): void {
    this.assertOpen();
    this.link.publishControl(this.runnerId, { v: RUNNER_PROTOCOL_VERSION, type: 'cancel', callId, sessionId: this.sessionId, reason });
  }

  /** Ends the session here and releases its upstream connection on the runner. Idempotent. */
  close(reason = 'the client ended the session'): void {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.finish(new DomainError(ErrorCode.CONFLICT, `relay session ${this.sessionId} is closed`));
    this.queue.end();
    if (this.accepted) this.releaseUpstream(reason);
  }

  /** For the relay: a message the runner of this session published for it (sender already checked). */
  accept(upstream: UpstreamMessage): void {
    if (this.state !== 'open') return;
    let ready: UpstreamMessage[];
    try {
      ready = this.order.accept(upstream.seq, upstream);
    } catch (error) {
      this.fail(error as DomainError, { releaseUpstream: true });
      return;
    }
    for (const next of ready) {
      if (this.state !== 'open') return;
      this.deliver(next);
    }
    this.watchGap();
  }

  /** For the relay: the session cannot go on (its runner was lost, the stream broke). */
  fail(error: DomainError, { releaseUpstream }: { releaseUpstream: boolean }): void {
    if (this.state !== 'open') return;
    this.state = 'failed';
    this.failure = error;
    this.finish(error);
    this.queue.fail(error);
    if (releaseUpstream && this.accepted) this.releaseUpstream(error.message);
  }

  private deliver(upstream: UpstreamMessage): void {
    switch (upstream.kind) {
      case 'message': {
        const event: RelayEvent = upstream.callId === undefined ? { type: 'message', message: upstream.message } : { type: 'message', message: upstream.message, callId: upstream.callId };
        this.push(event);
        return;
      }
      case 'error':
        if (upstream.callId !== undefined) {
          this.push({ type: 'call-failed', callId: upstream.callId, code: upstream.error.code, message: upstream.error.message });
        } else {
          this.fail(new DomainError(ErrorCode.UPSTREAM_FAILED, `runner ${this.runnerId} reported ${upstream.error.code}: ${upstream.error.message}`, { runnerId: this.runnerId, reason: upstream.error.code }), {
            releaseUpstream: true,
          });
        }
        return;
      case 'closed':
        // The runner has already forgotten the session: nothing to release.
        this.fail(
          new DomainError(ErrorCode.UPSTREAM_FAILED, `the server's session ended on runner ${this.runnerId}: ${upstream.reason ?? 'no reason given'}`, {
            runnerId: this.runnerId,
            reason: 'UPSTREAM_CLOSED',
          }),
          { releaseUpstream: false },
        );
        return;
    }
  }

  private push(event: RelayEvent): void {
    if (this.queue.push(event)) return;
    this.fail(new DomainError(ErrorCode.UPSTREAM_FAILED, `relay session ${this.sessionId}: more than ${this.limits.maxBuffered} messages unread`), { releaseUpstream: true });
  }

  /** A gap that does not close means NATS lost a message: fail rather than wait forever. */
  private watchGap(): void {
    if (this.order.waiting === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
      return;
    }
    if (this.gapTimer !== undefined) return;
    const missing = this.order.expected;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      if (this.order.expected !== missing) return this.watchGap();
      this.fail(new DomainError(ErrorCode.UPSTREAM_FAILED, `relay session ${this.sessionId}: upstream message ${missing} never arrived`), { releaseUpstream: true });
    }, this.limits.gapTimeoutMs);
    this.gapTimer.unref();
  }

  private releaseUpstream(reason: string): void {
    this.link.publishControl(this.runnerId, { v: RUNNER_PROTOCOL_VERSION, type: 'close-session', sessionId: this.sessionId, reason: reason.slice(0, 1024) });
  }

  private finish(error: DomainError): void {
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.ended(error);
    this.link.forget(this);
  }

  private assertOpen(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.state !== 'open') throw new DomainError(ErrorCode.CONFLICT, `relay session ${this.sessionId} is ${this.state}`);
  }
}
