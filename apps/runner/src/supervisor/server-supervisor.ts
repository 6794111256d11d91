import { DomainError, ErrorCode } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { systemClock, type Clock, type Rng } from './clock.js';
import { probeHttp, type HttpProbe } from './http-health.js';
import { SupervisedHttpUpstream } from './http-upstream.js';
import { placementKey, type Placement } from './placement.js';
import type { ServerStatus } from './server-status.js';
import { SupervisedStdioServer } from './stdio-server.js';
import type { SupervisedServer, SupervisionContext } from './supervised-server.js';
import type { UpstreamConnection } from './upstream-connection.js';

export interface ServerSupervisorOptions {
  logger: Logger;
  clock?: Clock;
  rng?: Rng;
  backoff?: Partial<BackoffPolicy>;
  /** SIGTERM → SIGKILL grace of a stopping stdio server (default 10 s). */
  stopGraceMs?: number;
  /** PATH handed to stdio servers (default: the runner's own PATH). */
  runnerPath?: string;
  /** Working directory of stdio servers (default: the runner's). */
  workingDirectory?: string;
  http?: { probe?: HttpProbe; intervalMs?: number; timeoutMs?: number };
}

/**
 * Keeps the set of placed server versions running on this runner. The control plane sends the
 * whole desired set with every assignment; `apply` reconciles towards it: new placements start,
 * placements no longer listed stop, unchanged ones (same deployment and version) are left alone,
 * whatever state they are in — a FAILED one stays FAILED until the control plane places a
 * different version, so a refused artifact is not retried on every assignment.
 */
export class ServerSupervisor {
  private readonly servers = new Map<string, SupervisedServer>();
  private readonly listeners = new Set<(status: ServerStatus) => void>();
  private readonly context: SupervisionContext;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: ServerSupervisorOptions) {
    this.context = {
      logger: options.logger,
      clock: options.clock ?? systemClock,
      rng: options.rng ?? Math.random,
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
      onChange: (status) => {
        for (const listener of this.listeners) listener(status);
      },
    };
  }

  /**
   * Reconciles towards `desired`. Calls are serialized (an assignment arriving while the previous
   * one is still starting servers waits for it). Resolves when removed servers are down and every
   * new one has made its first attempt (RUNNING, BACKOFF or FAILED).
   */
  apply(desired: readonly Placement[]): Promise<void> {
    const run = this.queue.then(() => this.reconcile(desired));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Every placed server, for the heartbeat. */
  status(): ServerStatus[] {
    return [...this.servers.values()].map((server) => server.status());
  }

  /** Every state change of every server. Returns an unsubscribe. */
  onChange(listener: (status: ServerStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A raw JSON-RPC connection to the deployment's server (see UpstreamConnection for its
   * lifetime). Throws DomainError NOT_FOUND when nothing is placed for the deployment,
   * UPSTREAM_FAILED when it is not RUNNING, CONFLICT when its stdio channel is already taken.
   */
  connectionFor(deploymentId: string): Promise<UpstreamConnection> {
    const server = [...this.servers.values()].find((candidate) => candidate.placement.deploymentId === deploymentId);
    if (server === undefined) return Promise.reject(DomainError.notFound('deployment', deploymentId));
    return server.connect();
  }

  /** Stops every server (runner shutdown); later `apply` calls start from an empty set. */
  stopAll(): Promise<void> {
    return this.apply([]);
  }

  private async reconcile(desired: readonly Placement[]): Promise<void> {
    const wanted = new Map<string, Placement>();
    const deployments = new Set<string>();
    for (const placement of desired) {
      // One deployment is one version on this runner; two would make connectionFor ambiguous.
      if (deployments.has(placement.deploymentId)) {
        throw new DomainError(ErrorCode.PROTOCOL_ERROR, `deployment ${placement.deploymentId} is placed twice in one assignment`);
      }
      deployments.add(placement.deploymentId);
      wanted.set(placementKey(placement), placement);
    }

    const leaving = [...this.servers].filter(([key]) => !wanted.has(key));
    await Promise.all(
      leaving.map(async ([key, server]) => {
        await server.stop();
        this.servers.delete(key);
      }),
    );

    const arriving = [...wanted].filter(([key]) => !this.servers.has(key));
    await Promise.all(
      arriving.map(async ([key, placement]) => {
        const server = this.create(placement);
        this.servers.set(key, server);
        await server.start();
      }),
    );
  }

  private create(placement: Placement): SupervisedServer {
    if (placement.launch.transport === 'STREAMABLE_HTTP') {
      const http = this.options.http ?? {};
      return new SupervisedHttpUpstream(placement, this.context, {
        probe: http.probe ?? probeHttp,
        intervalMs: http.intervalMs ?? 10_000,
        timeoutMs: http.timeoutMs ?? 2_000,
      });
    }
    return new SupervisedStdioServer(placement, this.context, {
      stopGraceMs: this.options.stopGraceMs ?? 10_000,
      runnerPath: this.options.runnerPath ?? process.env.PATH,
      workingDirectory: this.options.workingDirectory ?? process.cwd(),
    });
  }
}
