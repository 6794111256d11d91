import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const appsRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The runner-side stand-in process (see the file): the built relay of apps/runner with a real supervisor. */
const RELAY_RUNNER = join(appsRoot, 'runner', 'test', 'fixtures', 'relay-runner.mjs');
const RUNNER_DIST = join(appsRoot, 'runner', 'dist', 'relay', 'call-handler.js');
/** The stdio server of the relay tests: `large`, `wait-for-cancel`, `crash`, `echo`. */
export const RELAY_FIXTURE_SERVER = join(appsRoot, 'runner', 'test', 'fixtures', 'relay-fixture-server.mjs');

const require = createRequire(import.meta.url);
export const EVERYTHING_ENTRY = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');

/** A placement as the runner's supervisor takes it: `node <script> …args` over stdio. */
export function stdioPlacement(deploymentId: string, serverName: string, script: string, args: string[] = []) {
  return {
    deploymentId,
    versionId: 'ver-1',
    serverName,
    secretValues: {},
    launch: { transport: 'STDIO', command: 'node', args: [script, ...args], env: {}, secretEnv: [], url: null, artifactIntegrity: null, stateless: false },
  };
}

export interface RunnerProcess {
  child: ChildProcess;
  /** stderr so far, for failure messages. */
  output(): string;
  /** SIGKILL, as a crashed host or an OOM kill: no goodbye on NATS, the kernel closes the socket. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the runner process and resolves once it listens on its call subject. */
export async function startRunnerProcess(env: { natsUrl: string; runnerId: string; creds: string; placements: unknown[] }): Promise<RunnerProcess> {
  if (!existsSync(RUNNER_DIST)) throw new Error(`${RUNNER_DIST} does not exist: build first (npm run build)`);
  const child = spawn(process.execPath, [RELAY_RUNNER], {
    env: { PATH: process.env.PATH ?? '', NATS_URL: env.natsUrl, RUNNER_ID: env.runnerId, RUNNER_CREDS: env.creds, PLACEMENTS: JSON.stringify(env.placements) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner process not ready after 20 s: ${stderr}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (!chunk.toString().includes('ready')) return;
      clearTimeout(timer);
      resolveReady();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runner process exited with ${code} before it was ready: ${stderr}`));
    });
  });
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { child, output: () => stderr, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
