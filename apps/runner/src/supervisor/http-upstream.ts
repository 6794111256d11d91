import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { DomainError, ErrorCode } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { RestartTracker } from './backoff.js';
import type { HttpProbe } from './http-health.js';
import { loopbackUrlProblem } from './loopback-url.js';
import type { Placement } from './placement.js';
import { SharedConnection } from './shared-connection.js';
import type { ServerStatus } from './server-status.js';
import { StatusBook, type SupervisedServer, type SupervisionContext } from './supervised-server.js';
import { connectionOverTransport, type UpstreamConnection } from './upstream-connection.js';

export interface HttpUpstreamOptions {
  probe: HttpProbe;
  /** Between health checks of a RUNNING server. */
  intervalMs: number;
  timeoutMs: number;
}

/**
 * A Streamable HTTP server on this host. It is started by someone else (its own unit or
 * container), so the runner only watches it: health checks every `intervalMs`, BACKOFF with the
 * same jittered schedule as a crashed stdio server when a check fails. Every connection is a new
 * MCP session over a new StreamableHTTPClientTransport.
 */
export class SupervisedHttpUpstream implements SupervisedServer {
  private readonly book: StatusBook;
  private readonly tracker: RestartTracker;
  private readonly log: Logger;
  private readonly connections = new Set<UpstreamConnection>();
  /** Stateless versions: one HTTP session, held by many relay sessions at once. */
  private readonly shared: SharedConnection;
  private cancelCheck: (() => void) | null = null;
  private stopping = false;

  constructor(
    readonly placement: Placement,
    private readonly context: SupervisionContext,
    private readonly options: HttpUpstreamOptions,
  ) {
    this.book = new StatusBook(placement, context);
    this.tracker = new RestartTracker(context.backoff, context.rng);
    this.log = context.logger.child({ server: placement.serverName, deploymentId: placement.deploymentId, versionId: placement.versionId });
    this.shared = new SharedConnection(placement.deploymentId, () => this.openSession());
  }

  async start(): Promise<void> {
    const problem = this.placement.launch.url === null ? 'launch spec has no url' : loopbackUrlProblem(this.placement.launch.url);
    if (problem !== null) {
      this.log.error({ reason: problem }, 'refusing to use upstream URL');
      this.book.set('FAILED', { reason: problem });
      return;
    }
    await this.check();
  }

  status(): ServerStatus {
    return this.book.snapshot();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelCheck?.();
    this.cancelCheck = null;
    await Promise.allSettled([...this.connections].map((connection) => connection.close()));
    if (this.book.state !== 'STOPPED') this.book.set('STOPPED', { reason: 'stopped' });
  }

  /** A new HTTP session per connection (stateful, default), or a share of one (stateless). */
  connect(): Promise<UpstreamConnection> {
    return this.placement.launch.stateless ? this.shared.acquire() : this.openSession();
  }

  private async openSession(): Promise<UpstreamConnection> {
    const { serverName, deploymentId, launch } = this.placement;
    if (this.stopping || this.book.state !== 'RUNNING' || launch.url === null) {
      throw new DomainError(ErrorCode.UPSTREAM_FAILED, `server ${serverName} (deployment ${deploymentId}) is ${this.stopping ? 'stopping' : this.book.state}`);
    }
    const transport = new StreamableHTTPClientTransport(new URL(launch.url));
    const connection = await connectionOverTransport(deploymentId, transport, {
      close: async () => {
        // DELETE the session so the server can free it; a server without sessions answers 405.
        await transport.terminateSession().catch(() => undefined);
        await transport.close();
      },
      onError: (error) => this.log.warn({ error: error.message }, 'upstream HTTP transport error'),
    });
    this.connections.add(connection);
    connection.onClose(() => this.connections.delete(connection));
    return connection;
  }

  private async check(): Promise<void> {
    this.cancelCheck = null;
    const url = this.placement.launch.url;
    if (this.stopping || url === null) return;
    const healthy = await this.options.probe(url, this.options.timeoutMs);
    if (this.stopping) return;
    const { clock } = this.context;
    if (healthy) {
      if (this.book.state !== 'RUNNING') {
        this.tracker.started(clock.now());
        this.book.set('RUNNING', { reason: null });
        this.log.info('upstream is answering');
      }
      this.cancelCheck = clock.schedule(this.options.intervalMs, () => void this.check());
      return;
    }
    const delayMs = this.tracker.failed(clock.now());
    const restarts = this.book.snapshot().restarts + 1;
    const reason = `health check failed: ${url} did not answer below HTTP 500 within ${this.options.timeoutMs} ms`;
    this.log.warn({ restarts, delayMs }, reason);
    this.book.set('BACKOFF', { reason, restarts });
    this.cancelCheck = clock.schedule(delayMs, () => void this.check());
  }
}
