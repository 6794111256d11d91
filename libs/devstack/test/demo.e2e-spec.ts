// Runs the built demo (libs/devstack/dist/demo.js; `npm test` builds first) against a temporary
// home: a first --once run that initialises everything, then a normal run stopped with SIGINT
// that must find the same data, seed nothing new and exit 0.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getFreePort, isPortFree } from '../src/free-port.js';
import { makeSearchableDir } from '../src/postgres.js';

const demo = fileURLToPath(new URL('../dist/demo.js', import.meta.url));

interface Run {
  code: number | null;
  output: string;
}

function runDemo(env: NodeJS.ProcessEnv, args: string[], interruptWhen?: RegExp): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [demo, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let interrupted = false;
    const onData = (data: Buffer): void => {
      output += data.toString('utf8');
      if (interruptWhen && !interrupted && interruptWhen.test(output)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run demo', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const parent = mkdtempSync(join(tmpdir(), 'switchyard-demo-e2e-'));
    makeSearchableDir(parent); // Postgres runs as "postgres" when we are root
    home = join(parent, 'home');
    env = { ...process.env, SWITCHYARD_DEMO_HOME: home, SWITCHYARD_PORT: String(await getFreePort()) };
    delete env.SWITCHYARD_DEMO_EXIT_AFTER_READY;
  });
  afterAll(() => rmSync(join(home, '..'), { recursive: true, force: true }));

  it('starts, seeds through the API, verifies and exits 0 with --once; files are private', async () => {
    const run = await runDemo(env, ['--once']);
    expect(run.output).toMatch(/Switchyard demo ready in \d+\.\d s/);
    expect(run.output).toContain('verify');
    expect(run.code).toBe(0);

    const saved = JSON.parse(readFileSync(join(home, 'demo.json'), 'utf8')) as Record<string, string>;
    expect(saved.url).toBe(`http://127.0.0.1:${env.SWITCHYARD_PORT}`);
    expect(saved.graphql).toBe(`${saved.url}/graphql`);
    expect(saved.adminKey).toMatch(/^sy_/);
    expect(saved.agentKey).toMatch(/^sy_/);
    expect(saved.mcp).toBe(`${saved.url}/mcp`);
    expect(run.output).toContain(saved.adminKey);
    expect(statSync(join(home, 'demo.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'nats', 'nats-auth.json')).mode & 0o777).toBe(0o600);
    expect(run.output).toMatch(/nats\s+nats:\/\/127\.0\.0\.1:\d+ \(operator, new keys\)/);
    // A local runner enrolled into the ON_PREM nodepool and reported server-everything RUNNING.
    expect(run.output).toMatch(/runner\s+enrolled in onprem-gpu-de, serving everything/);
    // An MCP client reached server-everything on that runner through the gateway with the agent key.
    expect(run.output).toMatch(/verify mcp\s+\d+ tools, echo answered "Echo: hello from the demo" through \/mcp\/everything/);
    expect(statSync(join(home, 'runner', 'data', 'runner.creds')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, 'logs', 'runner.log'), 'utf8')).toContain('"msg":"runner stopped"');
    // Everything it started is gone.
    expect(await isPortFree(Number(env.SWITCHYARD_PORT))).toBe(true);
  }, 90_000);

  it('keeps its data across restarts, seeds idempotently, and stops cleanly on SIGINT', async () => {
    const run = await runDemo(env, [], /Press Ctrl-C to stop/);
    expect(run.output).toContain('kept from an earlier run');
    expect(run.output).toContain('(operator, kept keys)');
    expect(run.output).toMatch(/runner\s+kept in onprem-gpu-de, serving everything/);
    expect(run.output).toMatch(/agent key\s+kept from an earlier run/);
    expect(run.output).toMatch(/seed\s+0 created, \d+ already there/);
    expect(run.output).toMatch(/SIGINT: stopping[\s\S]*Stopped in \d+ ms/);
    expect(run.code).toBe(0);
    expect(await isPortFree(Number(env.SWITCHYARD_PORT))).toBe(true);
  }, 90_000);
});
