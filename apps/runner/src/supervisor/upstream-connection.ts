import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * A raw JSON-RPC channel to one upstream MCP server, for the relay. Raw on purpose: the SDK's
 * `Client` answers server→client requests (sampling, elicitation, roots, ping) itself or rejects
 * them, and correlates responses by its own ids; the relay must instead pass every message
 * through unchanged to the MCP client on the far side of NATS.
 *
 * Lifetime: for a STDIO server the connection is the running process's stdin/stdout. At most one
 * connection per process is open at a time (two would receive each other's responses), `close()`
 * hands the channel back without stopping the process, and a crash or stop ends the connection
 * (`onClose`) — after a restart the relay asks for a new one and must `initialize` again, since the
 * new process is a new MCP session. For a STREAMABLE_HTTP server every connection is its own
 * HTTP session; `close()` terminates it. A STATELESS version hands out shares of one such
 * connection instead (SharedConnection): many at once, each seeing every message, `close()`
 * releasing only the share.
 */
export interface UpstreamConnection {
  readonly deploymentId: string;
  /** Writes one JSON-RPC message to the server. Rejects once the connection is closed. */
  send(message: JSONRPCMessage): Promise<void>;
  /**
   * Every message from the server: responses, notifications and server→client requests. Messages
   * that arrive before the first handler is attached are held for it. Returns an unsubscribe.
   */
  onMessage(handler: (message: JSONRPCMessage) => void): () => void;
  /** Called once when the connection ends, with why (closed by the relay, server exited, …). */
  onClose(handler: (reason: string) => void): () => void;
  /** Ends this connection; idempotent. */
  close(): Promise<void>;
  readonly closed: boolean;
  /**
   * Set on a share of a connection that several sessions hold at once (a stateless version, see
   * SharedConnection): the connection behind it, the same object for every share.
   */
  readonly shared?: UpstreamConnection;
}

/** Enough to hold what a server sends between connect and the relay attaching its handler. */
const MAX_EARLY_MESSAGES = 1_000;

/**
 * The one UpstreamConnection implementation: the owner (supervisor) feeds it with `deliver` and
 * `end`, the relay uses the public interface.
 */
export class RelayConnection implements UpstreamConnection {
  private readonly messageHandlers = new Set<(message: JSONRPCMessage) => void>();
  private readonly closeHandlers = new Set<(reason: string) => void>();
  private early: JSONRPCMessage[] | null = [];
  private closeReason: string | null = null;

  constructor(
    readonly deploymentId: string,
    private readonly io: { send(message: JSONRPCMessage): Promise<void>; close(): Promise<void> },
    readonly shared?: UpstreamConnection,
  ) {}

  get closed(): boolean {
    return this.closeReason !== null;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closeReason !== null) throw new Error(`upstream connection closed: ${this.closeReason}`);
    await this.io.send(message);
  }

  onMessage(handler: (message: JSONRPCMessage) => void): () => void {
    this.messageHandlers.add(handler);
    const held = this.early;
    this.early = null;
    for (const message of held ?? []) handler(message);
    return () => this.messageHandlers.delete(handler);
  }

  onClose(handler: (reason: string) => void): () => void {
    if (this.closeReason !== null) {
      handler(this.closeReason);
      return () => undefined;
    }
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  async close(): Promise<void> {
    if (this.end('closed by the relay')) await this.io.close();
  }

  /** For the owner: a message from the server. */
  deliver(message: JSONRPCMessage): void {
    if (this.closeReason !== null) return;
    if (this.early !== null) {
      if (this.early.length < MAX_EARLY_MESSAGES) this.early.push(message);
      return;
    }
    for (const handler of this.messageHandlers) handler(message);
  }

  /** For the owner: the connection is over. Returns false if it already was. */
  end(reason: string): boolean {
    if (this.closeReason !== null) return false;
    this.closeReason = reason;
    this.early = null;
    for (const handler of this.closeHandlers) handler(reason);
    this.closeHandlers.clear();
    this.messageHandlers.clear();
    return true;
  }
}

/**
 * An UpstreamConnection over an SDK client transport (used for STREAMABLE_HTTP, where
 * StreamableHTTPClientTransport already is exactly a raw JSON-RPC channel). `close` replaces the
 * transport's own close (e.g. to end the HTTP session first); `onError` sees transport errors,
 * which concern single requests (an HTTP 500 for one POST) and do not end the session: the relay
 * notices the missing response through its own liveness rules.
 */
export async function connectionOverTransport(
  deploymentId: string,
  transport: Transport,
  options: { close?: () => Promise<void>; onError?: (error: Error) => void } = {},
): Promise<UpstreamConnection> {
  const connection = new RelayConnection(deploymentId, {
    send: (message) => transport.send(message),
    close: options.close ?? (() => transport.close()),
  });
  transport.onmessage = (message) => connection.deliver(message);
  transport.onclose = () => connection.end('upstream transport closed');
  transport.onerror = (error) => options.onError?.(error);
  await transport.start();
  return connection;
}
