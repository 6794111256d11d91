// `npm run demo` (tools/demo.sh builds first, then runs `node libs/devstack/dist/demo.js`).
// Starts Postgres, NATS (operator/JWT mode) and Redis on loopback, migrates, creates the demo admin
// key, starts the control plane, seeds it through the GraphQL API and keeps running until Ctrl-C.
// `--once` (or SWITCHYARD_DEMO_EXIT_AFTER_READY=1) verifies the result and exits instead.
import { existsSync, chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { migrate } from '@switchyard/db';
import { startControlPlane, runControlPlaneCli, type ControlPlaneProcess } from './control-plane-process.js';
import { prepareDemoHome, type DemoPaths } from './demo-home.js';
import { loadOrCreateNatsAuth } from './demo-nats.js';
import { loadOrCreateSecrets, saveSecrets, type DemoSecrets } from './demo-secrets.js';
import { demoAgentKey, verifyMcp } from './demo-mcp.js';
import { startDemoRunner, localEverything, type DemoRunner } from './demo-runner.js';
import { DEMO_PLACED_SERVER, DEMO_RUNNER_NODEPOOL, demoServers, seedDemo, verifyDemo, WHOAMI } from './demo-seed.js';
import { pickPort } from './free-port.js';
import { graphqlClient, GraphqlRequestError, type Graphql } from './graphql-client.js';
import { startNats, type NatsHandle } from './nats.js';
import { startPostgres, type PostgresHandle } from './postgres.js';
import { postgresRunning } from './postgres-running.js';
import { Progress } from './progress.js';
import { startRedis, type RedisHandle } from './redis.js';
import { repoRoot } from './repo-root.js';

// Next to, not on, the usual ports (5432, 4222, 6379), so a local install does not get in the way.
const DEFAULT_PORTS = { postgres: 55432, nats: 54222, redis: 56379, controlPlane: 4000 };
const DATABASE = 'switchyard';

interface Running {
  runner?: DemoRunner;
  controlPlane?: ControlPlaneProcess;
  postgres?: PostgresHandle;
  nats?: NatsHandle;
  redis?: RedisHandle;
}

async function main(): Promise<number> {
  const once = process.argv.includes('--once') || process.env.SWITCHYARD_DEMO_EXIT_AFTER_READY === '1';
  const root = repoRoot();
  const progress = new Progress();
  const running: Running = {};
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => (stopping ??= stopAll(running, progress));

  // Our own handlers make child.ts leave the shutdown order to us: control plane first.
  // Under `npm run demo` one Ctrl-C arrives twice (from the terminal, and forwarded by npm), so
  // only a second press at least a second later means "force".
  let signalledAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalledAt !== undefined) {
      // Give up waiting; the exit hook in child.ts still signals every child.
      if (Date.now() - signalledAt > 1000) process.exit(130);
      return;
    }
    signalledAt = Date.now();
    progress.line(`\n${signal}: stopping (Ctrl-C again to force)`);
    shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const home = process.env.SWITCHYARD_DEMO_HOME ?? join(root, '.switchyard');
  progress.line(`Switchyard demo${once ? ' (--once)' : ''}: data in ${relative(process.cwd(), home) || '.'}`);
  try {
    const paths = prepareDemoHome(home);
    const { secrets, created } = loadOrCreateSecrets(paths.secrets);
    if (created && existsSync(join(paths.postgres, 'PG_VERSION'))) {
      // A demo database whose secrets are gone (a checkout deleted and cloned again at the same
      // path): its password is unknown, so it can never be opened again. Start it over, unless
      // its Postgres is still running.
      if (postgresRunning(paths.postgres)) {
        throw new Error(`${paths.secrets} was missing but ${paths.postgres} is in use by a running Postgres: stop it, or delete both to start over.`);
      }
      rmSync(paths.postgres, { recursive: true, force: true });
      progress.line(`removed the demo database in ${paths.postgres}: left by an earlier checkout at this path, its password went with that checkout's secrets`);
    }
    const ready = await startEverything(root, paths, secrets, running, progress);
    const gql = graphqlClient(`${ready.url}/graphql`, ready.adminKey);
    const servers = demoServers(localEverything(root));
    const seeded = await progress.step('seed', () => seedDemo(gql, servers), (r) => `${r.created.length} created, ${r.existing.length} already there`);
    const runner = await progress.step(
      'runner',
      async () =>
        (running.runner = await startDemoRunner({
          root,
          dir: paths.runner,
          controlPlaneUrl: ready.url,
          natsUrl: ready.natsUrl,
          nodepoolId: seeded.placed.nodepoolId,
          deploymentId: seeded.placed.deploymentId,
          gql,
          logFile: join(paths.logs, 'runner.log'),
        })),
      (r) => `${r.identity === 'enrolled' ? 'enrolled' : 'kept'} in ${DEMO_RUNNER_NODEPOOL}, serving ${DEMO_PLACED_SERVER}`,
    );
    const gatewayUrl = `${ready.url}/mcp/${DEMO_PLACED_SERVER}`;
    const agent = await progress.step('agent key', () => demoAgentKey(gql, gatewayUrl, secrets.agentKey), (a) => (a.created ? 'created demo-agent (mcp:call)' : 'kept from an earlier run'));
    if (agent.created) {
      secrets.agentKey = agent.key;
      saveSecrets(paths.secrets, secrets);
    }
    writeDemoJson(paths, ready.url, ready.adminKey, agent.key);
    printReady(progress, ready.url, ready.adminKey, paths, runner.runnerId, agent.key);
    if (once) {
      await progress.step('verify', () => verifyDemo(gql, servers), () => 'admin key, nodepools and servers read back');
      await progress.step('verify mcp', () => verifyMcp(gatewayUrl, agent.key), (r) => `${r.tools} tools, echo answered "${r.echo}" through /mcp/${DEMO_PLACED_SERVER}`);
      await shutdown();
      return 0;
    }
    progress.line('Press Ctrl-C to stop.');
    const exit = await ready.controlPlane.child.exited;
    if (stopping) return new Promise(() => undefined); // the signal handler exits
    progress.line(`The control plane exited (code ${exit.code}, signal ${exit.signal}); see ${join(paths.logs, 'control-plane.log')}`);
  } catch (error) {
    // Interrupted while starting: the signal handler is already stopping everything and exits.
    if (signalledAt !== undefined) return new Promise(() => undefined);
    progress.line(`\nDemo failed: ${(error as Error).message}`);
  }
  await shutdown();
  return 1;
}

interface Ready {
  url: string;
  natsUrl: string;
  adminKey: string;
  controlPlane: ControlPlaneProcess;
}

async function startEverything(root: string, paths: DemoPaths, secrets: DemoSecrets, running: Running, progress: Progress): Promise<Ready> {
  const ports = await progress.step(
    'ports',
    async () => {
      const fixedCp = process.env.SWITCHYARD_PORT ? Number(process.env.SWITCHYARD_PORT) : undefined;
      const [postgres, nats, redis, controlPlane] = await Promise.all([
        pickPort(DEFAULT_PORTS.postgres),
        pickPort(DEFAULT_PORTS.nats),
        pickPort(DEFAULT_PORTS.redis),
        fixedCp ?? pickPort(DEFAULT_PORTS.controlPlane),
      ]);
      return { postgres, nats, redis, controlPlane };
    },
    (p) => `postgres ${p.postgres}, nats ${p.nats}, redis ${p.redis}, http ${p.controlPlane}`,
  );
  const log = (name: string): string => join(paths.logs, `${name}.log`);
  const fresh = !existsSync(join(paths.postgres, 'PG_VERSION'));
  await Promise.all([
    progress.step(
      'postgres',
      async () =>
        (running.postgres = await startPostgres({
          dataDir: paths.postgres,
          port: ports.postgres,
          persistent: true,
          password: secrets.postgresPassword,
          databases: [DATABASE],
          logFile: log('postgres'),
        })),
      (pg) => `${fresh ? 'initialised, ' : ''}127.0.0.1:${pg.port}`,
    ),
    progress.step(
      'nats',
      async () => {
        const { bundle, created } = await loadOrCreateNatsAuth(paths.natsAuth);
        running.nats = await startNats({ port: ports.nats, logFile: log('nats'), dir: paths.nats, auth: bundle });
        return { url: running.nats.url, created };
      },
      // Short enough for the progress column: the auth bundle is new or kept from an earlier run.
      (n) => `${n.url} (operator, ${n.created ? 'new' : 'kept'} keys)`,
    ),
    progress.step('redis', async () => (running.redis = await startRedis({ port: ports.redis, logFile: log('redis') })), (r) => r.url),
  ]);
  const databaseUrl = running.postgres!.databaseUrl(DATABASE);
  await progress.step(
    'migrations',
    () => migrate(databaseUrl),
    (r) => (r.applied.length ? `${r.applied.length} applied` : 'up to date'),
  );

  const cliEnv = { ...process.env, SWITCHYARD_DATABASE_URL: databaseUrl };
  const keptKey = secrets.adminKey;
  let adminKey = await progress.step(
    'admin key',
    async () => keptKey ?? (await createAdminKey(root, cliEnv, secrets, paths)),
    () => (keptKey ? 'kept from an earlier run' : 'created demo-admin'),
  );

  const controlPlane = await progress.step(
    'control plane',
    async () =>
      (running.controlPlane = await startControlPlane({
        root,
        port: ports.controlPlane,
        logFile: log('control-plane'),
        env: {
          ...process.env,
          SWITCHYARD_DATABASE_URL: databaseUrl,
          SWITCHYARD_REDIS_URL: running.redis!.url,
          SWITCHYARD_NATS_URL: running.nats!.url,
          SWITCHYARD_NATS_AUTH_FILE: paths.natsAuth,
          SWITCHYARD_PORT: String(ports.controlPlane),
          SWITCHYARD_SECRETS_KEY: secrets.SWITCHYARD_SECRETS_KEY,
          SWITCHYARD_AUDIT_HMAC_KEY: secrets.SWITCHYARD_AUDIT_HMAC_KEY,
          // The demo makes its own key with the CLI and prints it; no second one in the log.
          SWITCHYARD_SKIP_BOOTSTRAP_KEY: '1',
        },
      })),
    (cp) => `${cp.url} (/readyz 200)`,
  );

  // A kept key may have been revoked or may have expired: then make a new one.
  if (!(await keyWorks(graphqlClient(`${controlPlane.url}/graphql`, adminKey)))) {
    adminKey = await progress.step('admin key', () => createAdminKey(root, cliEnv, secrets, paths), () => 'the kept key no longer works: created a new one');
  }
  return { url: controlPlane.url, natsUrl: running.nats!.url, adminKey, controlPlane };
}

async function createAdminKey(root: string, env: NodeJS.ProcessEnv, secrets: DemoSecrets, paths: DemoPaths): Promise<string> {
  const out = await runControlPlaneCli(root, ['keys', 'create', '--role', 'ADMIN', '--name', 'demo-admin', '--json'], env);
  const line = out.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(line) as { key?: unknown };
  if (typeof parsed.key !== 'string' || !parsed.key.startsWith('sy_')) throw new Error(`keys create printed no key: ${line.slice(0, 200)}`);
  secrets.adminKey = parsed.key;
  saveSecrets(paths.secrets, secrets);
  return parsed.key;
}

async function keyWorks(gql: Graphql): Promise<boolean> {
  try {
    await gql(WHOAMI);
    return true;
  } catch (error) {
    if (error instanceof GraphqlRequestError && (error.code === 'UNAUTHENTICATED' || error.status === 401)) return false;
    throw error;
  }
}

function writeDemoJson(paths: DemoPaths, url: string, adminKey: string, agentKey: string): void {
  const demo = { url, graphql: `${url}/graphql`, mcp: `${url}/mcp`, healthz: `${url}/healthz`, readyz: `${url}/readyz`, adminKey, agentKey };
  writeFileSync(paths.demoJson, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  chmodSync(paths.demoJson, 0o600); // mode only applies when the file is created
}

function printReady(progress: Progress, url: string, adminKey: string, paths: DemoPaths, runnerId: string, agentKey: string): void {
  const rel = (path: string): string => relative(process.cwd(), path);
  progress.line('');
  progress.line(`Switchyard demo ready in ${progress.total()}`);
  progress.line(`  Control plane  ${url}`);
  progress.line(`  GraphQL        ${url}/graphql`);
  progress.line(`  Health         ${url}/healthz   ${url}/readyz`);
  progress.line(`  Admin key      ${adminKey}`);
  progress.line(`  MCP gateway    ${url}/mcp/${DEMO_PLACED_SERVER}   ${url}/mcp (every server the key may use)`);
  progress.line(`  Agent key      ${agentKey}  (role AGENT, scope mcp:call)`);
  progress.line(`  Runner         ${runnerId} (ON_PREM, ${DEMO_RUNNER_NODEPOOL}) serving ${DEMO_PLACED_SERVER}; log ${rel(join(paths.logs, 'runner.log'))}`);
  progress.line(`  Saved in       ${rel(paths.demoJson)} (url, graphql, mcp, adminKey, agentKey); logs in ${rel(paths.logs)}/`);
  progress.line(`  Inspector      npx @modelcontextprotocol/inspector  →  Streamable HTTP, ${url}/mcp/${DEMO_PLACED_SERVER}, header Authorization: Bearer <agent key>`);
  progress.line(`  Try            curl -s ${url}/graphql -H 'content-type: application/json' -H "authorization: Bearer $(node -p "require('./${rel(paths.demoJson)}').adminKey")" -d '{"query":"{ nodepools { nodes { name kind region jurisdiction } } }"}'`);
  progress.line('');
}

/**
 * The runner first (it drains and says goodbye while the control plane still listens), then the
 * control plane (it holds connections to the rest), then NATS and Redis, Postgres last.
 */
async function stopAll(running: Running, progress: Progress): Promise<void> {
  const started = performance.now();
  await running.runner?.child.stop();
  await running.controlPlane?.child.stop();
  await Promise.all([running.nats?.stop(), running.redis?.stop()]);
  await running.postgres?.stop();
  progress.line(`Stopped in ${Math.round(performance.now() - started)} ms.`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
