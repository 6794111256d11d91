import { RelayConnection, type UpstreamConnection } from './upstream-connection.js';

/**
 * One upstream connection held by many relay sessions at once: what a STATELESS version gets
 * (the operator declared that the server keeps no per-session state). Every `acquire` returns a
 * share — an UpstreamConnection of its own, with the `shared` property naming the one connection
 * behind it — that sees every message the server sends (the relay's per-session id mapping drops
 * what is not its own) and writes to the same connection. A share's `close` releases only that
 * share; the connection is closed (a stdio channel handed back, an HTTP session terminated) when
 * the last share is released. When the connection ends by itself (server crash, stop), every
 * share ends with it, and the next `acquire` opens a new one.
 *
 * No MCP knowledge here: what sharing means for initialize, subscriptions and server→client
 * requests is the relay's (relay/shared-upstream.ts).
 */
export class SharedConnection {
  private current: Promise<UpstreamConnection> | null = null;
  private readonly shares = new Set<RelayConnection>();

  constructor(
    private readonly deploymentId: string,
    /** Opens the connection the shares multiplex (at the first acquire, and after it ended). */
    private readonly open: () => Promise<UpstreamConnection>,
  ) {}

  /** Shares currently held. */
  get holders(): number {
    return this.shares.size;
  }

  async acquire(): Promise<UpstreamConnection> {
    const connection = await this.connection();
    if (connection.closed) return this.acquire();
    const share: RelayConnection = new RelayConnection(
      this.deploymentId,
      {
        send: (message) => connection.send(message),
        close: () => this.release(share, connection),
      },
      connection,
    );
    this.shares.add(share);
    return share;
  }

  /** The open connection, opening it when there is none; acquires arriving meanwhile wait for the same one. */
  private connection(): Promise<UpstreamConnection> {
    if (this.current === null) {
      const opening = this.open().then((connection) => {
        connection.onMessage((message) => {
          for (const share of this.shares) share.deliver(message);
        });
        connection.onClose((reason) => {
          if (this.current === opening) this.current = null;
          for (const share of [...this.shares]) share.end(reason);
          this.shares.clear();
        });
        return connection;
      });
      // A failed open leaves nothing behind: the next acquire tries again.
      opening.catch(() => {
        if (this.current === opening) this.current = null;
      });
      this.current = opening;
    }
    return this.current;
  }

  private async release(share: RelayConnection, connection: UpstreamConnection): Promise<void> {
    if (!this.shares.delete(share) || this.shares.size > 0) return;
    // The last holder is gone: hand the connection back. An acquire racing with this close finds
    // `closed` set and opens a new one.
    this.current = null;
    await connection.close();
  }
}
