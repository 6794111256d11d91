// The runner side of the suites that measure calls through a runner: the runner stand-in process
// (apps/runner/test/fixtures/relay-runner.mjs, the built relay + ServerSupervisor) with
// server-everything placed on it, its credentials, and a relay session on the control plane's
// RunnerRelay that calls `echo`.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlPlane } from './stack.js';

export const MCP_PROTOCOL_VERSION = '2025-11-25';

const RELAY_RUNNER = fileURLToPath(new URL('../../apps/runner/test/fixtures/relay-runner.mjs', import.meta.url));
const require = createRequire(import.meta.url);
/** The stdio entry of @modelcontextprotocol/server-everything. */
export const EVERYTHING_ENTRY = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');
/** How a version of server-everything is launched (stdio, no secrets). */
export const EVERYTHING_LAUNCH = { transport: 'STDIO', command: 'node', args: [EVERYTHING_ENTRY, 'stdio'], env: {}, secretEnv: [], url: null, artifactIntegrity: null, stateless: false };

/** The answer every echo case expects for `echo('hop')`. */
export function expectEcho(where, text, expected = 'Echo: hop') {
  if (text !== expected) throw new Error(`${where}: expected "${expected}", got ${JSON.stringify(text).slice(0, 300)}`);
}

/** A least-privilege runner JWT signed the way enrollment does, as .creds text. */
export async function runnerCreds(bundle, runnerId) {
  const { signUserJwt, credsText } = await import('@switchyard/nats-auth');
  const { runnerPermissions } = await import('@switchyard/protocol');
  const { createUser } = await import('@nats-io/jwt');
  const key = createUser();
  const jwt = await signUserJwt({
    name: `runner-${runnerId}`,
    userPublicKey: key.getPublicKey(),
    accountPublicKey: bundle.appAccount.publicKey,
    accountSigningSeed: bundle.appAccount.signingSeed,
    permissions: runnerPermissions(runnerId),
  });
  return credsText(jwt, key);
}

/**
 * The runner stand-in process; resolves once it listens. env: NATS_URL, RUNNER_ID, RUNNER_CREDS,
 * PLACEMENTS. Many placements take longer to start: `readyTimeoutMs`.
 */
export async function startRelayRunner(env, signal, { readyTimeoutMs = 20_000 } = {}) {
  const child = spawn(process.execPath, [RELAY_RUNNER], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner not ready within ${readyTimeoutMs / 1000} s: ${stderr}`)), readyTimeoutMs);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    child.stdout.on('data', (chunk) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runner exited with ${code} before it was ready: ${stderr}`));
    });
  });
  return {
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Registers server-everything versions on a control plane and places them on one runner stand-in:
 * a nodepool, one deployment per entry of `versions` ({ serverName, version?, stateless? }; the
 * stateless flag is in the database only, what the ToolGateway's pool reads), a runner row with a
 * JWT from the control plane, the process, HEALTHY, and the placement service's replan. Resolves
 * the deployments ({ serverName, deploymentId, versionId }) and the runner's row.
 */
export async function placeEverythingOnRunner({ app, nats, versions, log, signal, defer }) {
  const { PRISMA } = await import(controlPlane('database/database.module.js'));
  const prisma = app.get(PRISMA);

  const nodepool = await prisma.nodepool.create({ data: { name: 'bench', kind: 'ON_PREM', region: 'local', jurisdiction: 'EU' } });
  const deployments = [];
  for (const { serverName, version = '1.0.0', stateless = false } of versions) {
    const server = await prisma.mcpServer.upsert({ where: { name: serverName }, create: { name: serverName }, update: {} });
    const row = await prisma.mcpServerVersion.create({ data: { serverId: server.id, version, transport: 'STDIO', command: 'node', args: [EVERYTHING_ENTRY, 'stdio'], stateless } });
    const deployment = await prisma.deployment.create({ data: { versionId: row.id, nodepoolId: nodepool.id, replicas: 1 } });
    deployments.push({ serverName, deploymentId: deployment.id, versionId: row.id });
  }

  log(`starting the runner process with the ${deployments.length} deployments placed on it`);
  // The runner serves every placement as a stdio server, stateless or not.
  const placements = deployments.map(({ serverName, deploymentId, versionId }) => ({ deploymentId, versionId, serverName, secretValues: {}, launch: EVERYTHING_LAUNCH }));
  const { runnerRow } = await startPlacedRunner({ app, nats, nodepoolId: nodepool.id, placements, signal, defer });
  return { deployments, runnerRow };
}

/**
 * A runner stand-in serving `placements` (what its PLACEMENTS env says: { deploymentId, versionId,
 * serverName, secretValues, launch }), registered on a control plane as the placement service
 * needs it: a runner row in `nodepoolId` with a JWT from the control plane, the process, HEALTHY,
 * then the placement service's replan, which must place every one of the deployments on it.
 * Resolves the runner's row.
 */
export async function startPlacedRunner({ app, nats, nodepoolId, placements, capacity = Math.max(8, placements.length), signal, defer }) {
  const { createUser } = await import('@nats-io/jwt');
  const { credsText } = await import('@switchyard/nats-auth');
  const { PRISMA } = await import(controlPlane('database/database.module.js'));
  const { RunnerCredentialsService } = await import(controlPlane('nats-auth/runner-credentials.service.js'));
  const { PlacementService } = await import(controlPlane('placement/placement.service.js'));
  const prisma = app.get(PRISMA);

  const key = createUser();
  const runnerRow = await prisma.runner.create({ data: { nodepoolId, name: 'bench-runner', publicKey: key.getPublicKey(), capacity } });
  const { jwt } = await app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId: runnerRow.id, runnerPublicKey: key.getPublicKey() });
  const runner = await startRelayRunner({ NATS_URL: nats.url, RUNNER_ID: runnerRow.id, RUNNER_CREDS: credsText(jwt, key), PLACEMENTS: JSON.stringify(placements) }, signal);
  defer('runner process', () => runner.stop());
  await prisma.runner.update({ where: { id: runnerRow.id }, data: { status: 'HEALTHY' } });
  await app.get(PlacementService).replan();
  const placed = await prisma.placement.count({ where: { runnerId: runnerRow.id } });
  if (placed !== placements.length) throw new Error(`expected ${placements.length} placements on the bench runner, got ${placed}`);
  return { runnerRow };
}

/**
 * nats-server in operator mode in a fresh temp dir, and the control plane's RunnerRelay on a
 * NatsLink of its own (no control plane: the suites that measure the runner hop need only the
 * relay). Everything is stopped by the cleanups. Resolves the server, its auth bundle and the relay.
 */
export async function startNatsWithRelay({ suite, defer, log }) {
  const { startNats } = await import('@switchyard/devstack');
  const { createNatsAuthBundle } = await import('@switchyard/nats-auth');
  const { pino } = await import('pino');
  const { NatsLink } = await import(controlPlane('connections/nats-link.js'));
  const { RunnerRelay } = await import(controlPlane('relay/runner-relay.js'));

  const dir = mkdtempSync(join(tmpdir(), `switchyard-bench-${suite}-`));
  defer('temp dir', () => rmSync(dir, { recursive: true, force: true }));

  log('starting nats-server (operator mode, default max_payload)');
  const { bundle } = await createNatsAuthBundle({ operatorName: 'bench' });
  const nats = await startNats({ dir: join(dir, 'nats'), auth: bundle });
  defer('nats-server', () => nats.stop());

  const silent = pino({ level: 'silent' });
  const link = new NatsLink([nats.url], silent, { name: 'bench-control-plane', creds: bundle.controlPlaneUser.creds });
  defer('control-plane NATS link', () => link.close());
  const relay = new RunnerRelay(link, silent);
  defer('relay', () => relay.onApplicationShutdown());
  return { nats, bundle, relay };
}

/**
 * An initialized relay session with an `echo(text)` call that waits for its response by id. Each
 * call also records when the runner acknowledged it (the NATS request/reply, which returns once
 * the message is written to the server's stdin) and when the answer came back on `sy.cp.<id>.msg`.
 */
export async function relayClient(relay, runnerId, { deploymentId, versionId }) {
  const session = relay.openSession(runnerId, { sessionId: randomUUID(), deploymentId, versionId });
  const waiting = new Map();
  let failure;
  void (async () => {
    try {
      for await (const event of session.messages) {
        if (event.type !== 'message' || 'method' in event.message) continue;
        waiting.get(event.message.id)?.({ message: event.message, at: performance.now() });
        waiting.delete(event.message.id);
      }
    } catch (error) {
      failure = error;
      for (const resolve of waiting.values()) resolve({ message: { error: { message: error.message } }, at: performance.now() });
    }
  })();
  let nextId = 1;
  const timings = { ackMs: [], answerAfterAckMs: [] };
  const request = async (method, params) => {
    if (failure) throw failure;
    const id = nextId++;
    const answered = new Promise((resolve) => waiting.set(id, resolve));
    const t0 = performance.now();
    await session.send({ jsonrpc: '2.0', id, method, params });
    const acked = performance.now();
    const { message, at } = await answered;
    timings.ackMs.push(acked - t0);
    // The answer may overtake the ack (it travels on another subject): then this is negative.
    timings.answerAfterAckMs.push(at - acked);
    if (message.error) throw new Error(`${method} failed: ${message.error.message}`);
    return message.result;
  };
  await request('initialize', { protocolVersion: MCP_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'bench-relay', version: '0.0.0' } });
  await session.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    echo: async (message) => (await request('tools/call', { name: 'echo', arguments: { message } })).content?.[0]?.text,
    timings,
    close: () => session.close('bench done'),
  };
}
