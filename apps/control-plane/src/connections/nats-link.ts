import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

export interface NatsLinkOptions {
  /** Connection name, shown by the server (and in $SYS events). */
  name: string;
  /** Text of a .creds file (user JWT + seed): NATS runs in operator mode. Never logged. */
  creds: string;
  /**
   * PEM of the CA to trust for tls:// URLs (SWITCHYARD_NATS_CA_FILE, the one runners get too);
   * null or absent: Node's trust store. Not applied to plain nats:// URLs.
   */
  caPem?: string | null;
}

/**
 * A NATS connection of the control plane. Start-up does not wait for NATS: the link keeps dialing
 * in the background (and reconnects forever once up), /readyz reports it until it is connected.
 */
export class NatsLink {
  private current: NatsConnection | undefined;
  private closed = false;
  private readonly firstConnect: Promise<void>;

  constructor(
    private readonly servers: readonly string[],
    private readonly logger: Logger,
    private readonly options: NatsLinkOptions,
  ) {
    this.firstConnect = this.dial();
  }

  /** The live connection, or undefined while NATS has not been reached yet. */
  get connection(): NatsConnection | undefined {
    return this.current;
  }

  /** Resolves once connected (for callers that must have NATS), or rejects after `timeoutMs`. */
  async connected(timeoutMs: number): Promise<NatsConnection> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`NATS not reachable at ${this.servers.join(',')} after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.firstConnect, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.current as NatsConnection;
  }

  /** Round trip to the server; throws when the link is down. */
  async ping(): Promise<number> {
    if (!this.current || this.current.isClosed()) throw new Error('not connected');
    return this.current.rtt();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.current && !this.current.isClosed()) await this.current.drain();
  }

  private async dial(): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      try {
        const connection = await connect({
          servers: [...this.servers],
          name: this.options.name,
          // The authenticator re-reads the creds on every (re)connect; they stay in memory only.
          authenticator: credsAuthenticator(new TextEncoder().encode(this.options.creds)),
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          // Otherwise every request (one per relayed message) builds an Error for its stack trace,
          // in case it fails: a measurable share of the gateway's CPU per call. Our errors say where.
          noAsyncTraces: true,
          ...(this.options.caPem && this.servers.some((url) => url.startsWith('tls://')) ? { tls: { ca: this.options.caPem } } : {}),
        });
        // close() may have run while we were dialing: do not leak a connection nobody will close.
        if (this.closed) {
          await connection.close();
          return;
        }
        this.current = connection;
        this.logger.info({ servers: this.servers, connection: this.options.name }, 'connected to NATS');
        return;
      } catch (error) {
        attempt += 1;
        const delayMs = Math.min(250 * 2 ** attempt, 5_000) * (0.5 + Math.random() / 2);
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            { servers: this.servers, connection: this.options.name, attempt, err: (error as Error).message },
            'NATS not reachable yet; retrying',
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }
}
