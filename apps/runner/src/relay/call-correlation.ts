import type { JsonRpcMessage, JsonRpcRequest } from '@switchyard/protocol';
import { isRequest, isRequestId, isResponse, progressTokenOf, type RequestId } from './json-rpc-kinds.js';

interface PendingCall {
  requestId: RequestId;
  progressToken: RequestId | undefined;
  /** The call's W3C trace context, for the log lines about it. */
  traceparent: string | undefined;
}

/**
 * Which call an upstream message belongs to. The control plane names every client → upstream
 * message with a call id (the audit row's id for a tool call); the upstream knows only JSON-RPC
 * request ids and progress tokens. Tagging the answer and the progress of a request with its call
 * id lets the control plane complete the right audit row without parsing JSON-RPC itself.
 *
 * Pure bookkeeping of one session: no I/O, no clock.
 */
export class CallCorrelation {
  private readonly calls = new Map<string, PendingCall>();
  private readonly callByRequest = new Map<RequestId, string>();
  private readonly callByProgress = new Map<RequestId, string>();

  /** Requests written upstream and not answered (nor cancelled) yet. */
  get size(): number {
    return this.calls.size;
  }

  pendingCallIds(): string[] {
    return [...this.calls.keys()];
  }

  /** Remembers a client request about to be written upstream. */
  track(callId: string, request: JsonRpcRequest, traceparent?: string): void {
    // A client reusing the id of a request still pending breaks JSON-RPC; the newer call wins.
    const previous = this.callByRequest.get(request.id);
    if (previous !== undefined) this.forget(previous);
    const progressToken = progressTokenOf(request);
    this.calls.set(callId, { requestId: request.id, progressToken, traceparent });
    this.callByRequest.set(request.id, callId);
    if (progressToken !== undefined) this.callByProgress.set(progressToken, callId);
  }

  /**
   * The call an upstream message belongs to: the request it answers (which ends that call) or
   * the request whose progress it reports. Anything else (logs, list_changed, server → client
   * requests) belongs to the session, not to one call.
   */
  callOf(message: JsonRpcMessage): string | undefined {
    if (isResponse(message)) {
      if (message.id === undefined) return undefined;
      const callId = this.callByRequest.get(message.id);
      if (callId !== undefined) this.forget(callId);
      return callId;
    }
    if (!isRequest(message) && message.method === 'notifications/progress') {
      const token = message.params?.progressToken;
      return isRequestId(token) ? this.callByProgress.get(token) : undefined;
    }
    return undefined;
  }

  /** The JSON-RPC id of a pending call, e.g. to cancel it upstream. */
  requestIdOf(callId: string): RequestId | undefined {
    return this.calls.get(callId)?.requestId;
  }

  /** The trace context a pending call came with. */
  traceparentOf(callId: string): string | undefined {
    return this.calls.get(callId)?.traceparent;
  }

  /** The pending call with this JSON-RPC request id (a client's `notifications/cancelled` names it). */
  callOfRequest(requestId: RequestId): string | undefined {
    return this.callByRequest.get(requestId);
  }

  /** Drops a call (answered, cancelled, or its session ended). */
  forget(callId: string): void {
    const call = this.calls.get(callId);
    if (call === undefined) return;
    this.calls.delete(callId);
    if (this.callByRequest.get(call.requestId) === callId) this.callByRequest.delete(call.requestId);
    if (call.progressToken !== undefined && this.callByProgress.get(call.progressToken) === callId) {
      this.callByProgress.delete(call.progressToken);
    }
  }
}
