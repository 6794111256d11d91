import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { DomainError, ErrorCode } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { verifyArtifactIntegrity } from '../integrity/artifact-integrity.js';
import { LaunchResolutionError, resolveLaunch, type ResolvedLaunch } from '../integrity/resolve-launch.js';
import { RestartTracker } from './backoff.js';
import { buildChildEnvironment } from './child-environment.js';
import { ChildStdioTransport } from './child-stdio-transport.js';
import type { Placement } from './placement.js';
import type { ServerStatus } from './server-status.js';
import { SharedConnection } from './shared-connection.js';
import { redactSecretValues, StderrLines } from './stderr-lines.js';
import { StatusBook, type SupervisedServer, type SupervisionContext } from './supervised-server.js';
import { RelayConnection, type UpstreamConnection } from './upstream-connection.js';

export interface StdioServerOptions {
  /** Time between SIGTERM and SIGKILL when stopping. */
  stopGraceMs: number;
  /** The runner's PATH, the only variable of its own that the child inherits. */
  runnerPath: string | undefined;
  /** Working directory of the child; relative commands and scripts resolve against it. */
  workingDirectory: string;
}

type Prepared = { ok: true; launch: ResolvedLaunch; env: Record<string, string> } | { ok: false; reason: string };

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
}

/** A stdio MCP server: spawned, restarted with backoff when it dies, stopped on request. */
export class SupervisedStdioServer implements SupervisedServer {
  private readonly book: StatusBook;
  private readonly tracker: RestartTracker;
  private readonly log: Logger;
  private child: ChildProcessWithoutNullStreams | null = null;
  private channel: ChildStdioTransport | null = null;
  private lease: RelayConnection | null = null;
  /** Stateless versions: the one lease, held by many sessions at once. */
  private readonly shared: SharedConnection;
  private cancelRestart: (() => void) | null = null;
  private childExited: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    readonly placement: Placement,
    private readonly context: SupervisionContext,
    private readonly options: StdioServerOptions,
  ) {
    this.book = new StatusBook(placement, context);
    this.tracker = new RestartTracker(context.backoff, context.rng);
    this.log = context.logger.child({ server: placement.serverName, deploymentId: placement.deploymentId, versionId: placement.versionId });
    this.shared = new SharedConnection(placement.deploymentId, () => this.claimLease());
  }

  start(): Promise<void> {
    return this.launch();
  }

  status(): ServerStatus {
    return this.book.snapshot();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelRestart?.();
    this.cancelRestart = null;
    const child = this.child;
    if (child !== null) {
      // MCP stdio shutdown: close the server's stdin, then SIGTERM, then SIGKILL after the grace.
      await this.channel?.close();
      this.signalGroup(child, 'SIGTERM');
      const cancelKill = this.context.clock.schedule(this.options.stopGraceMs, () => {
        this.log.warn({ graceMs: this.options.stopGraceMs }, 'server ignored SIGTERM; sending SIGKILL');
        this.signalGroup(child, 'SIGKILL');
      });
      await this.childExited;
      cancelKill();
    }
    if (this.book.state !== 'STOPPED') this.book.set('STOPPED', { pid: null, reason: 'stopped' });
  }

  /**
   * The process's stdin/stdout as a connection. Stateful (default): one session at a time, a
   * second claim is a CONFLICT. Stateless: a share of the one lease, for as many sessions as ask.
   */
  connect(): Promise<UpstreamConnection> {
    return this.placement.launch.stateless ? this.shared.acquire() : this.claimLease();
  }

  private async claimLease(): Promise<RelayConnection> {
    const { serverName, deploymentId } = this.placement;
    const channel = this.channel;
    if (this.stopping || this.book.state !== 'RUNNING' || channel === null) {
      throw new DomainError(ErrorCode.UPSTREAM_FAILED, `server ${serverName} (deployment ${deploymentId}) is ${this.stopping ? 'stopping' : this.book.state}`);
    }
    if (this.lease !== null && !this.lease.closed) {
      throw DomainError.conflict(`server ${serverName} (deployment ${deploymentId}) already has an open stdio connection`);
    }
    const lease: RelayConnection = new RelayConnection(deploymentId, {
      send: (message) => channel.send(message),
      // Handing the channel back leaves the process running: it belongs to the placement.
      close: async () => {
        if (this.lease === lease) this.lease = null;
      },
    });
    this.lease = lease;
    return lease;
  }

  /** One launch attempt; resolves when it has settled (RUNNING, BACKOFF or FAILED). */
  private async launch(): Promise<void> {
    this.cancelRestart = null;
    if (this.stopping) return;
    this.book.set('STARTING', { pid: null });
    // Checked again at every restart, not only the first launch: a file replaced while the
    // server ran must not be started by the crash that follows.
    let prepared: Prepared;
    try {
      prepared = await this.prepare();
    } catch (error) {
      // Only races (a file vanishing between lookup and realpath) get here; refusing is the safe side.
      prepared = { ok: false, reason: `launch could not be prepared: ${(error as Error).message}` };
    }
    if (this.stopping) return;
    if (!prepared.ok) {
      this.log.error({ reason: prepared.reason }, 'refusing to start server');
      this.book.set('FAILED', { reason: prepared.reason, pid: null });
      return;
    }
    await this.spawnChild(prepared.launch, prepared.env);
  }

  private async prepare(): Promise<Prepared> {
    const { launch, secretValues } = this.placement;
    if (!launch.command) return { ok: false, reason: 'launch spec has no command' };
    const env = buildChildEnvironment(launch, secretValues, this.options.runnerPath);
    if (!env.ok) return env;
    let resolved: ResolvedLaunch;
    try {
      resolved = await resolveLaunch(launch.command, launch.args, { PATH: env.env.PATH, cwd: this.options.workingDirectory });
    } catch (error) {
      if (error instanceof LaunchResolutionError) return { ok: false, reason: error.message };
      throw error;
    }
    if (launch.artifactIntegrity !== null) {
      const verdict = await verifyArtifactIntegrity(resolved.artifact, launch.artifactIntegrity);
      if (!verdict.ok) return { ok: false, reason: verdict.reason };
    }
    return { ok: true, launch: resolved, env: env.env };
  }

  private spawnChild(launch: ResolvedLaunch, env: Record<string, string>): Promise<void> {
    const child = spawn(launch.executable, launch.args, {
      env,
      cwd: this.options.workingDirectory,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so that stop and crash clean-up reach the grandchildren that
      // launchers (npx, uvx, shell wrappers) start; a signal to the leader alone would orphan them.
      detached: true,
    });
    this.child = child;
    const channel = new ChildStdioTransport(child);
    channel.onmessage = (message) => this.lease?.deliver(message);
    // Never the line itself: stdout carries tool results, which logs must not contain.
    channel.onerror = (error) => this.log.warn({ error: error.message }, 'unreadable output on server stdout');
    void channel.start();

    const secrets = Object.values(this.placement.secretValues);
    const stderr = new StderrLines((line) => this.log.info({ stream: 'stderr' }, redactSecretValues(line, secrets)));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => stderr.push(chunk));
    child.stderr.on('end', () => stderr.end());

    let markExited!: () => void;
    this.childExited = new Promise((resolve) => (markExited = resolve));

    return new Promise((settled) => {
      let spawned = false;
      child.once('spawn', () => {
        spawned = true;
        this.channel = channel;
        this.tracker.started(this.context.clock.now());
        if (!this.stopping) {
          this.book.set('RUNNING', { pid: child.pid ?? null, reason: null });
          this.log.info({ pid: child.pid }, 'server started');
        }
        settled();
      });
      child.on('error', (error) => {
        if (spawned) {
          this.log.warn({ error: error.message }, 'server process error');
          return;
        }
        // No 'exit' follows a failed spawn.
        this.forget(child);
        markExited();
        if (this.stopping) this.book.set('STOPPED', { pid: null, reason: 'stopped' });
        else this.wentDown(`could not be started: ${error.message}`);
        settled();
      });
      child.once('exit', (code, signal) => {
        this.forget(child);
        // The leader is gone; whatever it started would hold the pipes open and leak.
        this.signalGroup(child, 'SIGKILL');
        markExited();
        const how = describeExit(code, signal);
        if (this.stopping) {
          this.log.info({ exit: how }, 'server stopped');
          this.book.set('STOPPED', { pid: null, reason: 'stopped' });
        } else {
          this.wentDown(how);
        }
      });
    });
  }

  private forget(child: ChildProcessWithoutNullStreams): void {
    if (this.child !== child) return;
    this.child = null;
    this.channel = null;
    this.lease?.end(`server ${this.placement.serverName} is down`);
    this.lease = null;
  }

  private wentDown(reason: string): void {
    const delayMs = this.tracker.failed(this.context.clock.now());
    const restarts = this.status().restarts + 1;
    this.log.warn({ reason, restarts, delayMs }, 'server went down; restarting after backoff');
    this.book.set('BACKOFF', { pid: null, reason, restarts });
    this.cancelRestart = this.context.clock.schedule(delayMs, () => void this.launch());
  }

  private signalGroup(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // ESRCH: the group is already empty.
    }
  }
}
