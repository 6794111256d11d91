import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@switchyard/devstack/testing';
import { testConfigEnv } from './harness.js';

const appRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = resolve(appRoot, 'dist/main.js');
const CLI = resolve(appRoot, 'dist/cli.js');

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a built entry point (npm test builds first) with only the given environment. */
function run(script: string, args: string[], env: Record<string, string>, untilStdout?: RegExp): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    let stopRequested = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out; stdout: ${stdout}\nstderr: ${stderr}`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (untilStdout?.test(stdout) && !stopRequested) {
        stopRequested = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
}

describe('control-plane process', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('refuses to start on a bad environment, one line per problem', async () => {
    const result = await run(MAIN, [], { SWITCHYARD_REDIS_URL: 'http://nope', SWITCHYARD_PORT: 'x' });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('switchyard: cannot start: invalid configuration');
    expect(lines).toContain('  SWITCHYARD_DATABASE_URL: is required');
    expect(lines).toContain('  SWITCHYARD_NATS_AUTH_FILE: is required');
    expect(lines).toContain('  SWITCHYARD_PORT: expected a port number');
    expect(lines.some((l) => l.startsWith('  SWITCHYARD_REDIS_URL: expected a URL'))).toBe(true);
  }, 30_000);

  it('prints a bootstrap admin key once on first start, and not on the next', async () => {
    const env = testConfigEnv(database.url, { SWITCHYARD_MIGRATE_ON_START: 'true', SWITCHYARD_LOG_LEVEL: 'info' });
    const first = await run(MAIN, [], env, /control plane listening/);
    expect([first.code, first.signal]).toEqual([0, null]);
    const keys = first.stdout.match(/sy_[A-Za-z0-9_-]{43}/g) ?? [];
    expect(new Set(keys).size).toBe(1);
    // The key appears in the one-time banner, never in a structured log line.
    const logLines = first.stdout.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.some((l) => l.includes(keys[0]!))).toBe(false);

    const second = await run(MAIN, [], env, /control plane listening/);
    expect([second.code, second.signal]).toEqual([0, null]);
    expect(second.stdout).not.toMatch(/sy_[A-Za-z0-9_-]{43}/);
  }, 30_000);

  it('creates a key from the CLI and explains usage mistakes', async () => {
    const env = { SWITCHYARD_DATABASE_URL: database.url };
    const created = await run(CLI, ['keys', 'create', '--role', 'operator', '--name', 'from-cli', '--json'], env);
    expect(created.code).toBe(0);
    const parsed = JSON.parse(created.stdout) as { role: string; key: string };
    expect(parsed.role).toBe('OPERATOR');
    expect(parsed.key).toMatch(/^sy_/);

    const badRole = await run(CLI, ['keys', 'create', '--role', 'root', '--name', 'x'], env);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/--role must be one of ADMIN, OPERATOR, VIEWER, AGENT/);

    const noDb = await run(CLI, ['keys', 'create', '--role', 'admin', '--name', 'x'], {});
    expect(noDb.code).toBe(1);
    expect(noDb.stderr).toMatch(/SWITCHYARD_DATABASE_URL: is required/);
  }, 30_000);

  it('nats init writes the bundle and server config once, then refuses to overwrite them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nats-init-cli-'));
    try {
      const first = await run(CLI, ['nats', 'init', '--out', dir], {});
      expect([first.code, first.stderr]).toEqual([0, '']);
      expect(first.stdout).toMatch(/Created NATS operator "switchyard" with accounts SYS A[A-Z2-7]{55} and APP A[A-Z2-7]{55}/);
      for (const file of ['nats-auth.json', 'nats.conf']) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);

      const second = await run(CLI, ['nats', 'init', '--out', dir], {});
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`switchyard: refusing to overwrite ${join(dir, 'nats-auth.json')}, ${join(dir, 'nats.conf')}`);

      const usage = await run(CLI, ['nats', 'rotate'], {});
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('unknown nats subcommand "rotate" (expected: init)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
