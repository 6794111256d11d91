// The built switchyard-runner CLI as a child process, the way a host runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RUNNER_CLI = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'runner', 'dist', 'cli.js');

export function assertRunnerBuilt(): void {
  if (!existsSync(RUNNER_CLI)) throw new Error(`${RUNNER_CLI} does not exist: build first (npm run build)`);
}

/** A runner config file (runner.json) in `dir`; returns its path. */
export function writeRunnerConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, 'runner.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Only PATH from our environment: a test's SWITCHYARD_* must not leak into the runner. */
function runnerEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', ...extra };
}

/** Runs one CLI command to completion. */
export function runRunnerCli(args: string[], options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  assertRunnerBuilt();
  return new Promise((resolveResult, reject) => {
    const child = spawn(process.execPath, [RUNNER_CLI, ...args], { env: runnerEnv(options.env ?? {}), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`switchyard-runner ${args.join(' ')} did not finish in ${options.timeoutMs ?? 20_000} ms: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveResult({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

export interface StartedRunner {
  child: ChildProcess;
  /** JSON log lines so far (stdout). */
  logs(): Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** SIGKILL if still running (cleanup). */
  kill(): Promise<void>;
}

/** `switchyard-runner start` as a long-running process. */
export function startRunner(args: string[], env: Record<string, string> = {}): StartedRunner {
  assertRunnerBuilt();
  const child = spawn(process.execPath, [RUNNER_CLI, 'start', ...args], { env: runnerEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal, at: performance.now() })),
  );
  return {
    child,
    logs: () =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    stderr: () => stderr,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
