// What the suites that need a control plane start: a temp dir, Postgres (embedded), nats-server in
// operator mode with the auth bundle in a file (SWITCHYARD_NATS_AUTH_FILE) and redis-server, all on
// 127.0.0.1, then control planes in-process on them (createApp, as apps/control-plane/test/harness.ts).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A module of the built control plane, for `import()`. */
export const controlPlane = (path) => new URL(`../../apps/control-plane/dist/${path}`, import.meta.url).href;

/**
 * Cleanups run in reverse order of registration (clients before servers, the temp dir last), each
 * even when an earlier one failed. `onFailure(name, error)` defaults to a line on stderr.
 */
export function createCleanups(suite) {
  const cleanups = [];
  return {
    defer: (name, fn) => cleanups.push({ name, fn }),
    async runAll(onFailure = (name, error) => console.error(`  ${suite}: cleanup of ${name} failed: ${error?.message ?? error}`)) {
      for (const { name, fn } of cleanups.reverse()) {
        try {
          await fn();
        } catch (error) {
          onFailure(name, error);
        }
      }
    },
  };
}

/**
 * Starts Postgres, nats-server (operator mode) and redis-server in a fresh temp dir and migrates
 * the database. Everything is registered with `defer` before it starts, so a half-started stack is
 * stopped too. Returns the servers, the auth bundle and its file, and how long the start and the
 * migration took.
 */
export async function startStack({ suite, operatorName = 'bench', defer, log, signal }) {
  const { makeSearchableDir, startNats, startPostgres, startRedis } = await import('@switchyard/devstack');
  const { createNatsAuthBundle } = await import('@switchyard/nats-auth');
  const { migrate } = await import('@switchyard/db');

  const dir = mkdtempSync(join(tmpdir(), `switchyard-bench-${suite}-`));
  // Postgres runs as the user "postgres" when we are root: it must be able to enter the dir.
  makeSearchableDir(dir);
  defer('temp dir', () => rmSync(dir, { recursive: true, force: true }));

  log('starting postgres, nats-server (operator mode) and redis-server on 127.0.0.1');
  const { bundle } = await createNatsAuthBundle({ operatorName });
  const authFile = join(dir, 'nats-auth.json');
  writeFileSync(authFile, JSON.stringify(bundle), { mode: 0o600 });
  const servers = [];
  defer('servers', () => Promise.allSettled(servers.map((server) => server.stop())));
  const keep = (server) => (servers.push(server), server);
  signal?.throwIfAborted();
  const started = performance.now();
  const [pg, nats, redis] = await Promise.all([
    startPostgres({ dataDir: join(dir, 'pg'), persistent: false, durable: false, password: randomBytes(12).toString('hex'), databases: ['switchyard_bench'] }).then(keep),
    startNats({ dir: join(dir, 'nats'), auth: bundle }).then(keep),
    startRedis({ dir: join(dir, 'redis') }).then(keep),
  ]);
  const infraMs = Math.round(performance.now() - started);

  const databaseUrl = pg.databaseUrl('switchyard_bench');
  signal?.throwIfAborted();
  const migrating = performance.now();
  const migrated = await migrate(databaseUrl);
  const migrateMs = Math.round(performance.now() - migrating);
  return { dir, bundle, authFile, pg, nats, redis, databaseUrl, timings: { infraMs, migrateMs, migrationsApplied: migrated.applied.length } };
}

/**
 * The control plane's environment on the stack: loopback, a free port, silent logs, no migration or
 * bootstrap key at start, fresh secrets; `extra` adds or overrides variables. Replicas of one bench
 * must share one environment (the secrets key and the audit HMAC key are the cluster's).
 */
export function controlPlaneEnv(stack, extra = {}) {
  return {
    SWITCHYARD_DATABASE_URL: stack.databaseUrl,
    SWITCHYARD_REDIS_URL: stack.redis.url,
    SWITCHYARD_NATS_URL: stack.nats.url,
    SWITCHYARD_NATS_AUTH_FILE: stack.authFile,
    SWITCHYARD_SECRETS_KEY: randomBytes(32).toString('base64'),
    SWITCHYARD_AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
    SWITCHYARD_HOST: '127.0.0.1',
    SWITCHYARD_PORT: '0',
    SWITCHYARD_LOG_LEVEL: 'silent',
    SWITCHYARD_MIGRATE_ON_START: 'false',
    SWITCHYARD_SKIP_BOOTSTRAP_KEY: 'true',
    ...extra,
  };
}

/** The config of `controlPlaneEnv(stack, extra)`, or of an environment made by it. */
export async function controlPlaneConfig(stackOrEnv, extra = {}) {
  const { loadConfig } = await import(controlPlane('config/config.js'));
  const env = 'databaseUrl' in stackOrEnv ? controlPlaneEnv(stackOrEnv, extra) : { ...stackOrEnv, ...extra };
  return loadConfig(env);
}

/**
 * A control plane as a process of its own (apps/control-plane/dist/main.js, as deployed), on
 * `env` with a free port (`nodeArgs` before the script, e.g. `--cpu-prof`); resolves once its /readyz answers 200, with its base URL and pid.
 * Stopped (SIGTERM, then SIGKILL) by the cleanups.
 */
export async function startControlPlaneProcess(env, { defer, signal, name = 'control plane process', nodeArgs = [] }) {
  const { getFreePort, spawnChild } = await import('@switchyard/devstack');
  const port = await getFreePort();
  const child = spawnChild({
    name,
    command: process.execPath,
    args: [...nodeArgs, fileURLToPath(controlPlane('main.js'))],
    env: { PATH: process.env.PATH ?? '', ...env, SWITCHYARD_PORT: String(port), SWITCHYARD_LOG_LEVEL: 'warn' },
    stopTimeoutMs: 10_000,
  });
  defer(name, () => child.stop());
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 60_000;
  for (;;) {
    signal?.throwIfAborted();
    if (!child.isRunning()) throw new Error(`${name} exited before it was ready: ${child.outputTail()}`);
    const status = await fetch(`${baseUrl}/readyz`).then((response) => response.status, () => 0);
    if (status === 200) return { baseUrl, pid: child.process.pid, child };
    if (performance.now() > deadline) throw new Error(`${name} not ready within 60 s: ${child.outputTail()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The MCP rate limit is checked on every request (its cost is in the figures) but never refuses:
 * a bench's one key sends thousands of calls a second.
 */
export const UNLIMITED_MCP_RATE = { SWITCHYARD_MCP_RATE_LIMIT_PER_SECOND: '100000', SWITCHYARD_MCP_RATE_LIMIT_BURST: '1000000' };

/** A control plane (createApp), closed by the cleanups; not listening yet. */
export async function createControlPlane(config, { defer, name = 'control plane', logger }) {
  const { createLogger } = await import(controlPlane('logging/logger.js'));
  const { createApp } = await import(controlPlane('create-app.js'));
  const app = await createApp(config, logger ?? createLogger(config.logLevel));
  defer(name, () => app.close());
  return app;
}

/** app.listen() on a free loopback port; resolves its base URL. */
export async function listen(app) {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('the control plane did not bind a TCP port');
  return `http://127.0.0.1:${address.port}`;
}
