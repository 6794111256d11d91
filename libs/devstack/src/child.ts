import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface ChildOptions {
  /** Short name used in error messages, e.g. "redis-server". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user/group (Postgres refuses to run as root). */
  uid?: number;
  gid?: number;
  /** Append stdout and stderr here; without it the output is only kept as a short tail. */
  logFile?: string;
  /** Signal for a clean stop; also what the child gets when we die. Default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** After this long a stop escalates to SIGKILL. Default 10 s. */
  stopTimeoutMs?: number;
  /** Sees every chunk of stdout/stderr, e.g. to detect a readiness line. */
  onOutput?: (chunk: string) => void;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedChild {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  isRunning(): boolean;
  /** The last few KB of output, for error messages. */
  outputTail(): string;
  /** Idempotent: signals the child, waits for it, escalates to SIGKILL on timeout. */
  stop(): Promise<void>;
}

const TAIL_BYTES = 8192;
const live = new Set<ManagedChild & { stopSignal: NodeJS.Signals }>();

/**
 * Spawns a long-running helper process that must not outlive us.
 *
 * Three layers keep it from leaking: (1) on Linux the child is wrapped in
 * `setpriv --pdeathsig`, so the kernel signals it even when we are SIGKILLed; (2) an `exit`
 * hook signals every live child; (3) SIGINT/SIGTERM/SIGHUP stop the children and re-raise the
 * signal — unless the host process installed its own handler, which then owns the shutdown
 * order (the demo stops the control plane before the databases).
 * Children run in their own process group (detached) so a terminal Ctrl-C reaches only us and
 * we can shut them down in order.
 */
export function spawnChild(options: ChildOptions): ManagedChild {
  const stopSignal = options.stopSignal ?? 'SIGTERM';
  const [command, args] = withDeathSignal(options.command, options.args, stopSignal);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    uid: options.uid,
    gid: options.gid,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let log: WriteStream | undefined;
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    log = createWriteStream(options.logFile, { flags: 'a' });
  }
  let tail = '';
  const onData = (buffer: Buffer): void => {
    const chunk = buffer.toString('utf8');
    tail = (tail + chunk).slice(-TAIL_BYTES);
    log?.write(buffer);
    options.onOutput?.(chunk);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  let running = child.pid !== undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => {
      tail += `\n${options.name}: ${error.message}`;
      running = false;
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  }).then((info) => {
    live.delete(managed);
    log?.end();
    return info;
  });

  let stopping: Promise<void> | undefined;
  const managed = {
    name: options.name,
    process: child,
    exited,
    stopSignal,
    isRunning: () => running,
    outputTail: () => tail,
    stop(): Promise<void> {
      stopping ??= stopChild(child, exited, () => running, stopSignal, options.stopTimeoutMs ?? 10_000);
      return stopping;
    },
  };
  if (running) {
    live.add(managed);
    installHooks();
  }
  return managed;
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<ExitInfo>,
  isRunning: () => boolean,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<void> {
  if (!isRunning()) return;
  signalChild(child, signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    // Kill the whole group: a wedged server may have forked helpers.
    signalGroup(child, 'SIGKILL');
    await exited;
  }
}

function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    child.kill(signal);
  } catch {
    // Already gone.
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    signalChild(child, signal);
  }
}

let setprivPath: string | null | undefined;

/** Wraps the command in `setpriv --pdeathsig <sig>` when util-linux's setpriv is available. */
function withDeathSignal(command: string, args: string[], signal: NodeJS.Signals): [string, string[]] {
  if (process.platform !== 'linux') return [command, args];
  setprivPath ??= ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;
  if (!setprivPath) return [command, args];
  return [setprivPath, ['--pdeathsig', signal.replace(/^SIG/, ''), '--', command, ...args]];
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function killAllNow(): void {
  for (const child of live) signalChild(child.process, child.stopSignal);
}

function onSignal(signal: NodeJS.Signals): void {
  // Another listener means the host orchestrates its own shutdown (and calls stop()).
  if (process.listenerCount(signal) > 1) return;
  killAllNow();
  for (const s of SIGNALS) process.off(s, onSignal);
  // Re-raise so the process ends the way it would have without our listener.
  process.kill(process.pid, signal);
}
