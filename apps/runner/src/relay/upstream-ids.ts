import type { JsonRpcMessage } from '@switchyard/protocol';
import { isNotification, isRequest, isRequestId, isResponse, progressTokenOf, type RequestId } from './json-rpc-kinds.js';

/**
 * Upstream ids are unique within the runner process: a stdio server outlives the sessions it
 * serves one after another, and an answer to a request of an earlier session (cancelled, or left
 * pending when its client went away) must never be taken for the answer to a request of the next
 * session that happens to reuse the client-side id. Servers restart with the runner, so a
 * per-process counter is enough.
 */
let lastUpstreamId = 0;
/** A fresh upstream request id (also for the runner's own requests, whose answers nobody maps). */
export const nextUpstreamId = (): number => ++lastUpstreamId;

/** Progress tokens written upstream: derived from the upstream id, so they are unique too. */
const upstreamToken = (upstreamId: number): string => `sy-${upstreamId}`;

interface Pending {
  clientId: RequestId;
  clientToken: RequestId | undefined;
}

type WithParams = { params?: Record<string, unknown> & { _meta?: Record<string, unknown> } };

/**
 * One session's mapping between its client's JSON-RPC request ids and progress tokens and the
 * ones written to the (possibly shared-over-time) upstream connection. Client → upstream: every
 * request gets a fresh upstream id (and token); a `notifications/cancelled` is pointed at the
 * upstream id. Upstream → client: answers and progress are mapped back; those this session does
 * not know (another session's, or a request cancelled here) are dropped (`undefined`). Server →
 * client requests and their answers keep the server's ids. Pure bookkeeping: no I/O.
 */
export class UpstreamIds {
  private readonly byUpstream = new Map<number, Pending>();
  private readonly upstreamByClient = new Map<RequestId, number>();
  private readonly clientTokenByUpstream = new Map<string, RequestId>();

  /** The message to write upstream in place of `message`. */
  outgoing(message: JsonRpcMessage): JsonRpcMessage {
    if (isRequest(message)) {
      // A client reusing the id of a request still pending breaks JSON-RPC; the newer one wins.
      const previous = this.upstreamByClient.get(message.id);
      if (previous !== undefined) this.forgetUpstream(previous);
      const upstreamId = nextUpstreamId();
      const clientToken = progressTokenOf(message);
      this.byUpstream.set(upstreamId, { clientId: message.id, clientToken });
      this.upstreamByClient.set(message.id, upstreamId);
      const rewritten = { ...message, id: upstreamId } as JsonRpcMessage & WithParams;
      if (clientToken !== undefined) {
        const token = upstreamToken(upstreamId);
        this.clientTokenByUpstream.set(token, clientToken);
        rewritten.params = { ...message.params, _meta: { ...(message.params?._meta as Record<string, unknown>), progressToken: token } };
      }
      return rewritten;
    }
    if (isNotification(message) && message.method === 'notifications/cancelled') {
      const target: unknown = message.params?.requestId;
      const upstreamId = isRequestId(target) ? this.upstreamIdOf(target) : undefined;
      if (upstreamId === undefined) return message;
      // The answer, if the server still sends one, belongs to nobody now.
      this.forgetUpstream(upstreamId);
      return { ...message, params: { ...message.params, requestId: upstreamId } } as JsonRpcMessage;
    }
    return message;
  }

  /** The message to hand the client for `message` from upstream, or undefined to drop it. */
  incoming(message: JsonRpcMessage): JsonRpcMessage | undefined {
    if (isResponse(message)) {
      const id = message.id;
      // Every request written upstream has a numeric id of ours; an error without id (a parse
      // error) goes to the client, any other id is not ours to hand on.
      if (id === undefined || id === null) return message;
      if (typeof id !== 'number') return undefined;
      const pending = this.byUpstream.get(id);
      if (pending === undefined) return undefined;
      this.forgetUpstream(id);
      return { ...message, id: pending.clientId } as JsonRpcMessage;
    }
    if (isNotification(message) && message.method === 'notifications/progress') {
      const token: unknown = message.params?.progressToken;
      const clientToken = typeof token === 'string' ? this.clientTokenByUpstream.get(token) : undefined;
      if (clientToken === undefined) return undefined;
      return { ...message, params: { ...message.params, progressToken: clientToken } } as JsonRpcMessage;
    }
    return message;
  }

  /** The upstream id of a pending client request (to cancel it). */
  upstreamIdOf(clientId: RequestId): number | undefined {
    return this.upstreamByClient.get(clientId);
  }

  /** Stops mapping a client request (cancelled from this side): its late answer is dropped. */
  forgetClientRequest(clientId: RequestId): void {
    const upstreamId = this.upstreamByClient.get(clientId);
    if (upstreamId !== undefined) this.forgetUpstream(upstreamId);
  }

  private forgetUpstream(upstreamId: number): void {
    const pending = this.byUpstream.get(upstreamId);
    if (pending === undefined) return;
    this.byUpstream.delete(upstreamId);
    if (this.upstreamByClient.get(pending.clientId) === upstreamId) this.upstreamByClient.delete(pending.clientId);
    this.clientTokenByUpstream.delete(upstreamToken(upstreamId));
  }
}
