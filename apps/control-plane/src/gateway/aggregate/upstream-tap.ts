import type { JsonRpcMessage } from '@switchyard/protocol';
import { EventLog } from '../event-log.js';

/**
 * The event log given to the upstream sessions of `/mcp` (GatewaySession, reused as it is): what
 * an upstream sends outside of a request's answer — progress, notifications, server → client
 * requests — ends up on its session's streams, which log every event. Here the log is the hand-off
 * point: each event goes to the aggregated session that owns the upstream, which rewrites it for its
 * client and logs it on its own streams (with the real EventLog). Nothing of the upstream session's
 * own streams is kept: no client ever reads them.
 */
export class UpstreamTap extends EventLog {
  private readonly listeners = new Map<string, (message: JsonRpcMessage) => void>();

  /** Events of upstream session `upstreamSessionId` go to `listener` from now on. */
  listen(upstreamSessionId: string, listener: (message: JsonRpcMessage) => void): void {
    this.listeners.set(upstreamSessionId, listener);
  }

  forget(upstreamSessionId: string): void {
    this.listeners.delete(upstreamSessionId);
  }

  override append(sessionId: string, _streamId: string, _seq: number, message: JsonRpcMessage | null): void {
    if (message !== null) this.listeners.get(sessionId)?.(message);
  }

  override async drop(): Promise<void> {
    // Nothing was written.
  }
}
