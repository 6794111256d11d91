import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { JsonRpcMessage } from '@switchyard/protocol';
import type { Logger } from 'pino';
import type { UpstreamConnection } from '../supervisor/upstream-connection.js';
import { ACCEPTED, rejected, type AckDecision } from './ack.js';
import { CallCorrelation } from './call-correlation.js';
import type { SessionShare } from './shared-upstream.js';
import type { SharedUpstreamRegistry } from './shared-upstream-registry.js';
import { nextUpstreamId, UpstreamIds } from './upstream-ids.js';
import { isNotification, isRequest, isRequestId } from './json-rpc-kinds.js';
import { withTraceparent } from './trace-meta.js';
import type { UpstreamMessageBody, UpstreamPublisher } from './upstream-publisher.js';

type Body = UpstreamMessageBody extends infer M ? (M extends UpstreamMessageBody ? Omit<M, 'sessionId' | 'seq'> : never) : never;

export interface RunnerSessionOptions {
  sessionId: string;
  deploymentId: string;
  versionId: string;
  publisher: UpstreamPublisher;
  /** The rules of the shared connections (stateless versions) this handler's sessions attach to. */
  sharing: SharedUpstreamRegistry;
  logger: Logger;
  /** Called once when the session is over, whichever way it ended, so its table forgets it. */
  onEnded(): void;
}

/** What opening a session gives: the upstream connection, or the refusal to send as the ack. */
export type Claim = UpstreamConnection | AckDecision;

/**
 * One client session relayed to one upstream connection. Messages from the control plane are
 * written in arrival order (a queue: the first one waits for the connection to be claimed);
 * everything the upstream sends goes back on `sy.cp.<runner>.msg` with this session's next `seq`.
 */
export class RunnerSession {
  private seq = 0;
  private readonly calls = new CallCorrelation();
  private readonly ids = new UpstreamIds();
  private readonly deadlines = new Map<string, NodeJS.Timeout>();
  private connection: UpstreamConnection | undefined;
  private detach: (() => void) | undefined;
  /** Set when the connection is shared with other sessions (a stateless version). */
  private share: SessionShare | undefined;
  private readonly opened: Promise<AckDecision | undefined>;
  private tail: Promise<unknown>;
  private ended = false;

  constructor(
    private readonly options: RunnerSessionOptions,
    claim: Promise<Claim>,
  ) {
    this.opened = claim.then(
      (claimed) => {
        if (!('send' in claimed)) {
          this.end();
          return claimed;
        }
        if (this.ended) {
          // Closed while the connection was being claimed: hand it straight back.
          void claimed.close();
          return rejected('UNKNOWN_SESSION', `session ${options.sessionId} was closed`);
        }
        this.attach(claimed);
        return undefined;
      },
      (error: Error) => {
        this.end();
        return rejected('NOT_RUNNING', `could not connect to the server: ${error.message}`);
      },
    );
    this.tail = this.opened;
  }

  get deploymentId(): string {
    return this.options.deploymentId;
  }

  get versionId(): string {
    return this.options.versionId;
  }

  /** Requests written upstream and not yet answered: the runner's in-flight calls. */
  get inFlight(): number {
    return this.calls.size;
  }

  /**
   * Writes one client message upstream, after those that arrived before it; resolves to the ack.
   * A request with a `traceparent` carries it upstream in `params._meta` (trace-meta.ts).
   */
  deliver(callId: string, message: JsonRpcMessage, { deadline, traceparent }: { deadline?: string; traceparent?: string } = {}): Promise<AckDecision> {
    const run = async (): Promise<AckDecision> => {
      const refused = await this.opened;
      if (refused !== undefined) return refused;
      const connection = this.connection;
      if (this.ended || connection === undefined) return rejected('UNKNOWN_SESSION', `session ${this.options.sessionId} has ended on this runner`);
      let upstreamMessage = message;
      if (this.share !== undefined) {
        const shared = await this.share.outgoing(message);
        if (this.ended) return rejected('UNKNOWN_SESSION', `session ${this.options.sessionId} has ended on this runner`);
        if (shared.kind === 'drop') return ACCEPTED;
        if (shared.kind === 'answer') {
          this.emit({ kind: 'message', callId, message: shared.message });
          return ACCEPTED;
        }
        upstreamMessage = shared.message;
      }
      this.note(callId, message, deadline, traceparent);
      if (isRequest(message)) this.options.logger.debug({ sessionId: this.options.sessionId, callId, traceparent, method: message.method }, 'writing a request upstream');
      const written = this.ids.outgoing(traceparent !== undefined && isRequest(upstreamMessage) ? withTraceparent(upstreamMessage, traceparent) : upstreamMessage);
      try {
        // Same envelope: jsonRpcMessageSchema mirrors the SDK's JSONRPCMessageSchema.
        await connection.send(written as JSONRPCMessage);
        return ACCEPTED;
      } catch (error) {
        this.forgetCall(callId);
        return rejected('UPSTREAM_WRITE_FAILED', `could not write to the server: ${(error as Error).message}`);
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result;
    return result;
  }

  /**
   * The control plane's `cancel` (or the call's deadline): MCP cancellation upstream, and a
   * CANCELLED error for the call so the control plane can close its books on it. False when the
   * call is not pending (already answered: cancellation is a race the spec allows to lose).
   */
  cancel(callId: string, reason: string): boolean {
    const clientRequestId = this.calls.requestIdOf(callId);
    if (clientRequestId === undefined) return false;
    const requestId = this.ids.upstreamIdOf(clientRequestId);
    const traceparent = this.calls.traceparentOf(callId);
    this.forgetCall(callId);
    // Its late answer, if the server sends one anyway, is dropped.
    this.ids.forgetClientRequest(clientRequestId);
    const notice: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: requestId ?? clientRequestId, reason } };
    const write = async () => {
      if (this.ended || this.connection === undefined) return;
      await this.connection.send(notice as JSONRPCMessage).catch((error: Error) => {
        this.options.logger.warn({ sessionId: this.options.sessionId, callId, traceparent, err: error.message }, 'could not forward a cancellation');
      });
    };
    this.tail = this.tail.then(write, write);
    this.options.logger.info({ sessionId: this.options.sessionId, callId, traceparent, reason }, 'call cancelled upstream');
    this.emit({ kind: 'error', callId, error: { code: 'CANCELLED', message: `cancelled: ${reason}` } });
    return true;
  }

  /**
   * Ends the session from this side. `announce` (runner shutdown) tells the control plane, failing
   * the pending calls; a close the control plane asked for needs no answer.
   */
  async close(reason: string, { announce }: { announce: boolean }): Promise<void> {
    if (this.ended) return;
    if (announce) this.failPending('INTERNAL', reason, reason);
    const orphaned = this.share?.leave() ?? [];
    const connection = this.connection;
    this.end();
    if (connection === undefined) return;
    // On a shared connection: subscriptions only this session wanted end with it. The answers
    // carry ids nobody maps, so every session drops them.
    for (const uri of orphaned) {
      await connection.send({ jsonrpc: '2.0', id: nextUpstreamId(), method: 'resources/unsubscribe', params: { uri } }).catch(() => undefined);
    }
    await connection.close();
  }

  private attach(connection: UpstreamConnection): void {
    this.connection = connection;
    if (connection.shared !== undefined) this.share = this.options.sharing.of(connection.shared).join();
    const offMessage = connection.onMessage((message) => this.fromUpstream(message as JsonRpcMessage));
    const offClose = connection.onClose((reason) => {
      if (this.ended) return; // our own close()
      this.options.logger.warn({ sessionId: this.options.sessionId, deploymentId: this.options.deploymentId, reason }, 'upstream connection ended');
      this.failPending('UPSTREAM_EXITED', `the server's connection ended: ${reason}`, reason);
      this.end();
    });
    this.detach = () => {
      offMessage();
      offClose();
    };
  }

  private note(callId: string, message: JsonRpcMessage, deadline: string | undefined, traceparent: string | undefined): void {
    if (isRequest(message)) {
      this.calls.track(callId, message, traceparent);
      if (deadline !== undefined) this.armDeadline(callId, deadline);
    } else if (isNotification(message) && message.method === 'notifications/cancelled') {
      // The client cancelled by itself: the upstream's late answer, if any, belongs to no call.
      const target: unknown = message.params?.requestId;
      const cancelled = isRequestId(target) ? this.calls.callOfRequest(target) : undefined;
      if (cancelled !== undefined) this.forgetCall(cancelled);
    }
  }

  private armDeadline(callId: string, deadline: string): void {
    const delayMs = Math.max(0, Date.parse(deadline) - Date.now());
    const timer = setTimeout(() => this.cancel(callId, 'the call deadline passed'), delayMs);
    timer.unref();
    this.deadlines.set(callId, timer);
  }

  private fromUpstream(upstreamMessage: JsonRpcMessage): void {
    if (this.ended) return;
    const message = this.ids.incoming(upstreamMessage);
    if (message === undefined) {
      // An answer or progress for a request this session did not send (an earlier session's on
      // the same stdio server) or cancelled: nobody is waiting for it.
      this.options.logger.debug({ sessionId: this.options.sessionId }, 'dropped a stale upstream answer or progress');
      return;
    }
    // A shared connection's notifications that concern other sessions, and the server's requests.
    if (this.share !== undefined && !this.share.incoming(message)) return;
    const callId = this.calls.callOf(message);
    if (callId !== undefined) this.clearDeadline(callId);
    this.emit(callId === undefined ? { kind: 'message', message } : { kind: 'message', callId, message });
  }

  private failPending(code: 'UPSTREAM_EXITED' | 'INTERNAL', message: string, reason: string): void {
    for (const callId of this.calls.pendingCallIds()) {
      this.forgetCall(callId);
      this.emit({ kind: 'error', callId, error: { code, message } });
    }
    this.emit({ kind: 'closed', reason });
  }

  private emit(body: Body): void {
    this.options.publisher.publish({ ...body, sessionId: this.options.sessionId, seq: this.seq++ } as UpstreamMessageBody);
  }

  private forgetCall(callId: string): void {
    this.calls.forget(callId);
    this.clearDeadline(callId);
  }

  private clearDeadline(callId: string): void {
    const timer = this.deadlines.get(callId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.deadlines.delete(callId);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of this.deadlines.values()) clearTimeout(timer);
    this.deadlines.clear();
    this.share?.leave();
    this.detach?.();
    this.options.onEnded();
  }
}
