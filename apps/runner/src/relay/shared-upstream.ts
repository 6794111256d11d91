import type { JsonRpcMessage, JsonRpcRequest } from '@switchyard/protocol';
import { isNotification, isRequest, isResponse, type RequestId } from './json-rpc-kinds.js';

/**
 * The MCP rules of one upstream connection shared by several client sessions (a stateless
 * version: supervisor/shared-connection.ts). Request ids, progress tokens and cancellations are
 * already kept apart by each session's UpstreamIds; what is left is what the protocol gives one
 * connection only once:
 *
 * - **initialize**: the server sees one handshake. The first session's initialize goes upstream,
 *   with the client capabilities emptied (below); a session arriving while it is on its way waits
 *   for it; later sessions get the cached result, answered by the runner with their own request id
 *   — including its `protocolVersion`, whatever they asked for: the server chose it once for the
 *   connection, and a client that cannot speak it ends its session as it would with a server that
 *   chose so. A failed (or abandoned) handshake lets the next session try its own. Only the first
 *   `notifications/initialized` after the handshake is written upstream.
 * - **client capabilities** are sent empty: sampling, elicitation and roots requests from the
 *   server cannot be attributed to one of the sessions, so the runner refuses them
 *   (`serverRequestAnswer`), and a server must not be told they work — nor tailor its tool list
 *   to whichever client happened to come first.
 * - **resources/subscribe**: updates go only to the sessions that subscribed to the URI; an
 *   unsubscribe goes upstream only when no other session still wants the URI (otherwise the
 *   runner answers it), and a session that ends leaves behind the URIs only it wanted.
 * - **other notifications** (logging, list_changed, tasks status, …) go to every session: they
 *   concern the server, not one session.
 *
 * Pure bookkeeping: no I/O. A SharedUpstream per shared connection; a SessionShare per session.
 */
export class SharedUpstream {
  private handshake: Handshake = { state: 'none' };
  private initializedSent = false;
  private readonly subscribers = new Map<string, Set<SessionShare>>();

  /** One session's view of this connection. */
  join(): SessionShare {
    return new SessionShare(this);
  }

  /** @internal What a session does with its client's initialize (SessionShare.outgoing). */
  claimInitialize(session: SessionShare): HandshakeClaim {
    switch (this.handshake.state) {
      case 'done':
        return { kind: 'answer', result: this.handshake.result };
      case 'pending':
        return { kind: 'wait', settled: this.handshake.settled };
      case 'none': {
        let settle!: () => void;
        const settled = new Promise<void>((resolve) => (settle = resolve));
        this.handshake = { state: 'pending', owner: session, settled, settle };
        return { kind: 'send' };
      }
    }
  }

  /** @internal The handshake's answer reached its session; `undefined` when it failed. */
  settleInitialize(session: SessionShare, result: Record<string, unknown> | undefined): void {
    const handshake = this.handshake;
    if (handshake.state !== 'pending' || handshake.owner !== session) return;
    this.handshake = result === undefined ? { state: 'none' } : { state: 'done', result };
    handshake.settle();
  }

  /** @internal True for the first `notifications/initialized` after a successful handshake. */
  takeInitialized(): boolean {
    if (this.handshake.state !== 'done' || this.initializedSent) return false;
    this.initializedSent = true;
    return true;
  }

  /** @internal */
  subscribe(session: SessionShare, uri: string): void {
    const sessions = this.subscribers.get(uri) ?? new Set();
    sessions.add(session);
    this.subscribers.set(uri, sessions);
  }

  /** @internal Whether the upstream should be told: no session wants `uri` any more. */
  unsubscribe(session: SessionShare, uri: string): boolean {
    const sessions = this.subscribers.get(uri);
    if (sessions === undefined) return true;
    sessions.delete(session);
    if (sessions.size > 0) return false;
    this.subscribers.delete(uri);
    return true;
  }
}

type Handshake =
  | { state: 'none' }
  | { state: 'pending'; owner: SessionShare; settled: Promise<void>; settle: () => void }
  | { state: 'done'; result: Record<string, unknown> };

type HandshakeClaim = { kind: 'send' } | { kind: 'answer'; result: Record<string, unknown> } | { kind: 'wait'; settled: Promise<void> };

/** What to do with a client message on a shared connection. */
export type SharedOutgoing =
  | { kind: 'forward'; message: JsonRpcMessage }
  /** Answered by the runner: hand `message` to the client, write nothing upstream. */
  | { kind: 'answer'; message: JsonRpcMessage }
  /** Nothing to write and nothing to answer (a repeated `notifications/initialized`). */
  | { kind: 'drop' };

/** One session's side of a SharedUpstream. */
export class SessionShare {
  private readonly subscriptions = new Set<string>();
  private initializeId: RequestId | undefined;
  /** The client has its initialize answer: the server's notifications are its business from now on. */
  private initialized = false;
  private left = false;

  constructor(private readonly upstream: SharedUpstream) {}

  /** Resolves once the message's fate is known (an initialize may wait for another session's). */
  async outgoing(message: JsonRpcMessage): Promise<SharedOutgoing> {
    if (isRequest(message)) {
      switch (message.method) {
        case 'initialize':
          return this.initialize(message);
        case 'resources/subscribe': {
          const uri = uriOf(message);
          if (uri !== undefined) {
            this.subscriptions.add(uri);
            this.upstream.subscribe(this, uri);
          }
          return { kind: 'forward', message };
        }
        case 'resources/unsubscribe': {
          const uri = uriOf(message);
          if (uri === undefined) return { kind: 'forward', message };
          this.subscriptions.delete(uri);
          if (this.upstream.unsubscribe(this, uri)) return { kind: 'forward', message };
          return { kind: 'answer', message: { jsonrpc: '2.0', id: message.id, result: {} } };
        }
      }
    }
    if (isNotification(message) && message.method === 'notifications/initialized') {
      return this.upstream.takeInitialized() ? { kind: 'forward', message } : { kind: 'drop' };
    }
    return { kind: 'forward', message };
  }

  /**
   * Whether this session forwards an upstream message to its client. Call it with answers and
   * progress already mapped to the client's ids (UpstreamIds.incoming), so that the handshake's
   * answer is recognised by the client's request id.
   */
  incoming(message: JsonRpcMessage): boolean {
    if (isResponse(message)) {
      if (this.initializeId !== undefined && message.id === this.initializeId) {
        this.initializeId = undefined;
        this.initialized = 'result' in message;
        this.upstream.settleInitialize(this, 'result' in message ? message.result : undefined);
      }
      return true;
    }
    // The runner answers the server's requests itself (serverRequestAnswer), once per connection.
    if (isRequest(message)) return false;
    // Sent before this client's handshake: meant for the sessions already there.
    if (!this.initialized) return false;
    switch (message.method) {
      case 'notifications/resources/updated': {
        const uri: unknown = message.params?.uri;
        return typeof uri === 'string' && this.subscriptions.has(uri);
      }
      case 'notifications/cancelled':
        // Only server→client requests can be cancelled by the server, and no client saw those.
        return false;
      default:
        return true;
    }
  }

  /**
   * The session is over: an unfinished handshake of its own is given up (a waiting session
   * sends its own) and its subscriptions go. Returns the URIs nobody subscribes to any more, to
   * unsubscribe upstream.
   */
  leave(): string[] {
    if (this.left) return [];
    this.left = true;
    this.upstream.settleInitialize(this, undefined);
    const orphaned = [...this.subscriptions].filter((uri) => this.upstream.unsubscribe(this, uri));
    this.subscriptions.clear();
    return orphaned;
  }

  private async initialize(request: JsonRpcRequest): Promise<SharedOutgoing> {
    for (;;) {
      const claim = this.upstream.claimInitialize(this);
      if (claim.kind === 'answer') {
        this.initialized = true;
        return { kind: 'answer', message: { jsonrpc: '2.0', id: request.id, result: claim.result } as JsonRpcMessage };
      }
      if (claim.kind === 'send') {
        this.initializeId = request.id;
        return { kind: 'forward', message: { ...request, params: { ...request.params, capabilities: {} } } };
      }
      await claim.settled;
      if (this.left) return { kind: 'drop' };
    }
  }
}

/**
 * The runner's own answer to a request the server sends on a shared connection, or undefined
 * for anything that is not a request. `ping` is answered (the connection is alive); sampling,
 * elicitation, roots and anything else get "method not found", as from a client without those
 * capabilities — which is what the server was told in the handshake.
 */
export function serverRequestAnswer(message: JsonRpcMessage): JsonRpcMessage | undefined {
  if (!isRequest(message)) return undefined;
  if (message.method === 'ping') return { jsonrpc: '2.0', id: message.id, result: {} };
  return {
    jsonrpc: '2.0',
    id: message.id,
    error: { code: -32601, message: `${message.method} is not relayed on a connection shared by several sessions (stateless server version)` },
  } as JsonRpcMessage;
}

function uriOf(request: JsonRpcRequest): string | undefined {
  const uri: unknown = request.params?.uri;
  return typeof uri === 'string' ? uri : undefined;
}
