// The demo's local runner: `switchyard-runner enroll` once into the ON_PREM nodepool, then
// `switchyard-runner start` as a child, exactly as a host owner would run them.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnChild, type ManagedChild } from './child.js';
import type { Graphql } from './graphql-client.js';

export const CREATE_ENROLLMENT_TOKEN = /* GraphQL */ `
  mutation DemoEnrollmentToken($input: CreateEnrollmentTokenInput!) { createEnrollmentToken(input: $input) { token } }`;

export const RUNNER_SERVERS = /* GraphQL */ `
  query DemoRunner($id: ID!) { runner(id: $id) { status servers { deploymentId state restarts } } }`;

/** The locally installed @modelcontextprotocol/server-everything: version, entry script, SRI hash. */
export function localEverything(root: string): { version: string; entry: string; integrity: string } {
  const require = createRequire(join(root, 'package.json'));
  const manifest = require.resolve('@modelcontextprotocol/server-everything/package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const entry = join(dirname(manifest), 'dist', 'index.js');
  const integrity = `sha256-${createHash('sha256').update(readFileSync(entry)).digest('base64')}`;
  return { version, entry, integrity };
}

export interface DemoRunnerOptions {
  root: string;
  /** <demo home>/runner: config and the runner's data directory (identity, credentials). */
  dir: string;
  controlPlaneUrl: string;
  natsUrl: string;
  nodepoolId: string;
  deploymentId: string;
  gql: Graphql;
  logFile: string;
}

export interface DemoRunner {
  runnerId: string;
  child: ManagedChild;
  /** `enrolled` on the first run (or after the old identity stopped working), `kept` otherwise. */
  identity: 'enrolled' | 'kept';
}

/** The runner CLI exits 3 when it is not enrolled or NATS refuses its credentials. */
const EXIT_ENROLL_AGAIN = 3;
const READY_TIMEOUT_MS = 60_000;

function runnerCli(root: string): string {
  const cli = join(root, 'apps', 'runner', 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} does not exist: build first (npm run build)`);
  return cli;
}

/** Only PATH: the runner must not inherit the demo's SWITCHYARD_* settings. */
function runnerEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '' };
}

/**
 * Written on every run: the control plane and NATS may be on other ports than when the runner
 * enrolled (natsUrls here wins over the ones received at enrollment).
 */
function writeConfig(options: DemoRunnerOptions): string {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const file = join(options.dir, 'runner.json');
  const config = {
    controlPlaneUrl: options.controlPlaneUrl,
    natsUrls: [options.natsUrl],
    dataDir: join(options.dir, 'data'),
    name: 'demo-onprem-1',
    capacity: 4,
    heartbeatSeconds: 2,
    drainGraceSeconds: 10,
    labels: { demo: 'true' },
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}

async function enroll(options: DemoRunnerOptions, configFile: string, force: boolean): Promise<void> {
  const { createEnrollmentToken } = await options.gql<{ createEnrollmentToken: { token: string } }>(CREATE_ENROLLMENT_TOKEN, {
    input: { nodepoolId: options.nodepoolId, description: 'npm run demo', ttlMinutes: 10 },
  });
  const args = [runnerCli(options.root), 'enroll', '--config', configFile, '--url', options.controlPlaneUrl, '--token', '-', ...(force ? ['--force'] : [])];
  await new Promise<void>((resolve, reject) => {
    // The token goes through stdin, not argv: argv is visible to every user of the host.
    const child = spawn(process.execPath, args, { env: runnerEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`switchyard-runner enroll exited ${code}: ${output.trim()}`))));
    child.stdin.end(`${createEnrollmentToken.token}\n`);
  });
}

function readRunnerId(dir: string): string | undefined {
  const file = join(dir, 'data', 'identity.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { runnerId?: string }).runnerId;
}

function start(options: DemoRunnerOptions, configFile: string): ManagedChild {
  return spawnChild({
    name: 'runner',
    command: process.execPath,
    args: [runnerCli(options.root), 'start', '--config', configFile],
    env: runnerEnv(),
    cwd: options.dir,
    logFile: options.logFile,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 15_000,
  });
}

type Readiness = { ready: true } | { ready: false; exit: number | null };

/** Waits until the runner reports the deployment's server RUNNING, or the runner exits. */
async function untilServing(options: DemoRunnerOptions, runnerId: string, child: ManagedChild): Promise<Readiness> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no heartbeat yet';
  while (Date.now() < deadline) {
    if (!child.isRunning()) return { ready: false, exit: (await child.exited).code };
    const { runner } = await options.gql<{ runner: { status: string; servers: Array<{ deploymentId: string; state: string; restarts: number }> } }>(RUNNER_SERVERS, { id: runnerId });
    const server = runner.servers.find((s) => s.deploymentId === options.deploymentId);
    if (server?.state === 'RUNNING') return { ready: true };
    last = `runner ${runner.status}, server ${server ? `${server.state} (${server.restarts} restarts)` : 'not assigned yet'}`;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await child.stop();
  throw new Error(`the demo runner did not serve the placed server within ${READY_TIMEOUT_MS / 1000} s (${last}); log ${options.logFile}`);
}

/**
 * Enrolls (first run), starts the runner and waits until it serves the demo deployment. A kept
 * identity that no longer works (a reset database, credentials expired while the demo was
 * stopped) is replaced by a fresh enrollment, once.
 */
export async function startDemoRunner(options: DemoRunnerOptions): Promise<DemoRunner> {
  const configFile = writeConfig(options);
  let identity: DemoRunner['identity'] = 'kept';
  let runnerId = readRunnerId(options.dir);
  if (runnerId === undefined) {
    await enroll(options, configFile, false);
    identity = 'enrolled';
    runnerId = readRunnerId(options.dir);
  }
  for (let attempt = 1; ; attempt++) {
    if (runnerId === undefined) throw new Error(`switchyard-runner enroll wrote no identity in ${options.dir}`);
    const child = start(options, configFile);
    let readiness: Readiness;
    try {
      readiness = await untilServing(options, runnerId, child);
    } catch (error) {
      // The runner row is gone (a reset database): enroll again as if the exit said so.
      if (attempt > 1 || !/NOT_FOUND|not found/i.test((error as Error).message)) throw error;
      await child.stop();
      readiness = { ready: false, exit: EXIT_ENROLL_AGAIN };
    }
    if (readiness.ready) return { runnerId, child, identity };
    if (readiness.exit !== EXIT_ENROLL_AGAIN || attempt > 1) {
      throw new Error(`the demo runner exited with code ${readiness.exit}: ${child.outputTail()}`);
    }
    await enroll(options, configFile, true);
    identity = 'enrolled';
    runnerId = readRunnerId(options.dir);
  }
}
