// What the gRPC ToolGateway costs: `echo` on @modelcontextprotocol/server-everything (stdio),
// measured side by side in one run:
//
//   (a) grpc          a grpc-js client → CallTool on the control plane's gRPC server (auth, rate
//                     limit, audit row before dispatch) → a fresh upstream MCP session per call
//                     (initialize, notifications/initialized, tools/call, close) → RunnerRelay →
//                     nats-server → a runner process → the stdio server.
//   (d) grpc/shared   as (a) on a version declared stateless: the calls share one upstream session,
//                     initialized once (the ToolGateway's pool).
//   (b) mcp/json      node:http → /mcp/everything, one JSON body, in a session opened once.
//   (c) relay         RunnerRelay → NATS → runner → stdio, in a session opened once (no auth, audit).
//
// Every case has its own server-everything process (a stdio server serves one session at a time).
// Audit is on: the suite checks that the ToolInvocation rows equal the gateway calls.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { createHttpClient } from '../lib/http.js';
import { measureSideBySide, ratios, summarize } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';

export const description = 'CallTool echo over the gRPC ToolGateway vs tools/call through /mcp/everything (JSON) vs RunnerRelay directly';
export const timeoutMs = 180_000;

const SETTINGS = { warmup: 200, iterations: 2_000, roundSize: 100, budgetMs: 60_000, concurrency: [16], concurrentCalls: 2_000 };
const PROTOCOL = '2025-11-25';

const repoPath = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const controlPlane = (path) => new URL(`../../apps/control-plane/dist/${path}`, import.meta.url).href;
const RELAY_RUNNER = repoPath('apps/runner/test/fixtures/relay-runner.mjs');
const require = createRequire(import.meta.url);
const EVERYTHING_ENTRY = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');

export async function run({ signal, log, iterations = SETTINGS.iterations }) {
  const warmup = Math.min(SETTINGS.warmup, iterations);
  const cleanups = [];
  const defer = (name, fn) => cleanups.push({ name, fn });
  try {
    const { makeSearchableDir, startNats, startPostgres, startRedis } = await import('@switchyard/devstack');
    const { createNatsAuthBundle, credsText } = await import('@switchyard/nats-auth');
    const { migrate, ApiKeyRole } = await import('@switchyard/db');
    const { createUser } = await import('@nats-io/jwt');
    const { credentials, Metadata } = await import('@grpc/grpc-js');

    const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-grpc-'));
    makeSearchableDir(dir);
    defer('temp dir', () => rmSync(dir, { recursive: true, force: true }));

    log('starting postgres, nats-server (operator mode) and redis-server on 127.0.0.1');
    const { bundle } = await createNatsAuthBundle({ operatorName: 'bench' });
    const authFile = join(dir, 'nats-auth.json');
    writeFileSync(authFile, JSON.stringify(bundle), { mode: 0o600 });
    const servers = [];
    defer('servers', () => Promise.allSettled(servers.map((server) => server.stop())));
    const keep = (server) => (servers.push(server), server);
    const [pg, nats, redis] = await Promise.all([
      startPostgres({ dataDir: join(dir, 'pg'), persistent: false, durable: false, password: randomBytes(12).toString('hex'), databases: ['switchyard_bench'] }).then(keep),
      startNats({ dir: join(dir, 'nats'), auth: bundle }).then(keep),
      startRedis({ dir: join(dir, 'redis') }).then(keep),
    ]);
    const databaseUrl = pg.databaseUrl('switchyard_bench');
    await migrate(databaseUrl);

    log('starting the control plane in-process, with its gRPC server');
    const { loadConfig } = await import(controlPlane('config/config.js'));
    const { createLogger } = await import(controlPlane('logging/logger.js'));
    const { createApp } = await import(controlPlane('create-app.js'));
    const { PRISMA } = await import(controlPlane('database/database.module.js'));
    const { ApiKeysService } = await import(controlPlane('api-keys/api-keys.service.js'));
    const { CLI_ACTOR } = await import(controlPlane('admin-events/actor.js'));
    const { RunnerCredentialsService } = await import(controlPlane('nats-auth/runner-credentials.service.js'));
    const { PlacementService } = await import(controlPlane('placement/placement.service.js'));
    const { RunnerRelay } = await import(controlPlane('relay/runner-relay.js'));
    const { ToolGatewayServer } = await import(controlPlane('grpc/tool-gateway.server.js'));
    const { toolGatewayClientConstructor } = await import(controlPlane('grpc/tool-gateway-definition.js'));
    const config = loadConfig({
      SWITCHYARD_DATABASE_URL: databaseUrl,
      SWITCHYARD_REDIS_URL: redis.url,
      SWITCHYARD_NATS_URL: nats.url,
      SWITCHYARD_NATS_AUTH_FILE: authFile,
      SWITCHYARD_SECRETS_KEY: randomBytes(32).toString('base64'),
      SWITCHYARD_AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
      SWITCHYARD_HOST: '127.0.0.1',
      SWITCHYARD_PORT: '0',
      SWITCHYARD_GRPC_PORT: '0',
      SWITCHYARD_LOG_LEVEL: 'silent',
      SWITCHYARD_MIGRATE_ON_START: 'false',
      SWITCHYARD_SKIP_BOOTSTRAP_KEY: 'true',
      // The bench measures the path, not the limiter's refusals.
      SWITCHYARD_MCP_RATE_LIMIT_PER_SECOND: '100000',
      SWITCHYARD_MCP_RATE_LIMIT_BURST: '1000000',
    });
    const app = await createApp(config, createLogger(config.logLevel));
    defer('control plane', () => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const baseUrl = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    const prisma = app.get(PRISMA);

    log('registering server-everything twice (gRPC and MCP), and once more for the relay case');
    const nodepool = await prisma.nodepool.create({ data: { name: 'bench', kind: 'ON_PREM', region: 'local', jurisdiction: 'EU' } });
    const deploy = async (serverName, stateless = false) => {
      const server = await prisma.mcpServer.create({ data: { name: serverName } });
      const row = await prisma.mcpServerVersion.create({ data: { serverId: server.id, version: '1.0.0', transport: 'STDIO', command: 'node', args: [EVERYTHING_ENTRY, 'stdio'], stateless } });
      const deployment = await prisma.deployment.create({ data: { versionId: row.id, nodepoolId: nodepool.id, replicas: 1 } });
      return { serverName, deploymentId: deployment.id, versionId: row.id };
    };
    // The shared one is stateless in the database only (what the ToolGateway's pool reads); the
    // runner serves it as any stdio server.
    const deployments = [await deploy('everything-grpc'), await deploy('everything'), await deploy('everything-relay'), await deploy('everything-grpc-shared', true)];

    log('starting the runner process with the four deployments placed on it');
    const key = createUser();
    const runnerRow = await prisma.runner.create({ data: { nodepoolId: nodepool.id, name: 'bench-runner', publicKey: key.getPublicKey(), capacity: 8 } });
    const { jwt } = await app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId: runnerRow.id, runnerPublicKey: key.getPublicKey() });
    const placements = deployments.map(({ serverName, deploymentId, versionId }) => ({
      deploymentId,
      versionId,
      serverName,
      secretValues: {},
      launch: { transport: 'STDIO', command: 'node', args: [EVERYTHING_ENTRY, 'stdio'], env: {}, secretEnv: [], url: null, artifactIntegrity: null, stateless: false },
    }));
    const runner = await startRunner({ NATS_URL: nats.url, RUNNER_ID: runnerRow.id, RUNNER_CREDS: credsText(jwt, key), PLACEMENTS: JSON.stringify(placements) }, signal);
    defer('runner process', () => runner.stop());
    await prisma.runner.update({ where: { id: runnerRow.id }, data: { status: 'HEALTHY' } });
    await app.get(PlacementService).replan();
    const placed = await prisma.placement.count({ where: { runnerId: runnerRow.id } });
    if (placed !== deployments.length) throw new Error(`expected ${deployments.length} placements on the bench runner, got ${placed}`);

    const { key: apiKey } = await app.get(ApiKeysService).create(CLI_ACTOR, { name: 'bench-agent', role: ApiKeyRole.AGENT });

    log('connecting the clients');
    const ToolGateway = toolGatewayClientConstructor();
    const grpcClient = new ToolGateway(`127.0.0.1:${app.get(ToolGatewayServer).port}`, credentials.createInsecure());
    defer('gRPC client', () => grpcClient.close());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${apiKey}`);

    const http = createHttpClient(baseUrl);
    defer('MCP JSON client', () => http.close());
    const jsonHeaders = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
    const init = await fetch(`${baseUrl}/mcp/everything`, {
      method: 'POST',
      headers: jsonHeaders,
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'bench-json', version: '0' } } }),
    });
    const jsonSessionId = init.headers.get('mcp-session-id');
    if (init.status !== 200 || !jsonSessionId) throw new Error(`JSON client initialize: HTTP ${init.status} ${await init.text()}`);
    const sessionHeaders = { ...jsonHeaders, 'mcp-session-id': jsonSessionId, 'mcp-protocol-version': PROTOCOL };
    await http.request('POST', '/mcp/everything', { headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    defer('MCP JSON session', () => http.request('DELETE', '/mcp/everything', { headers: sessionHeaders }));

    const relay = await relayClient(app.get(RunnerRelay), runnerRow.id, deployments[2]);
    defer('relay session', () => relay.close());

    const expected = 'Echo: hop';
    const check = (where, text) => {
      if (text !== expected) throw new Error(`${where}: expected "${expected}", got ${JSON.stringify(text).slice(0, 300)}`);
    };
    const grpcEcho = (server) =>
      new Promise((resolve, reject) => {
        const events = [];
        const stream = grpcClient.CallTool({ server, tool: 'echo', argumentsJson: '{"message":"hop"}' }, metadata);
        stream.on('data', (event) => events.push(event));
        stream.on('error', reject);
        stream.on('end', () => resolve(events));
      });
    let jsonId = 1;
    let gatewayCalls = 0;
    const cases = {
      grpc: async () => {
        gatewayCalls += 1;
        const events = await grpcEcho('everything-grpc');
        check('grpc', events.length === 1 && events[0].result ? JSON.parse(events[0].result.contentJson)[0]?.text : JSON.stringify(events));
      },
      grpcShared: async () => {
        gatewayCalls += 1;
        const events = await grpcEcho('everything-grpc-shared');
        check('grpc/shared', events.length === 1 && events[0].result ? JSON.parse(events[0].result.contentJson)[0]?.text : JSON.stringify(events));
      },
      mcpJson: async () => {
        gatewayCalls += 1;
        const response = await http.request('POST', '/mcp/everything', {
          headers: sessionHeaders,
          body: JSON.stringify({ jsonrpc: '2.0', id: jsonId++, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hop' } } }),
        });
        check('mcp/json', response.status === 200 ? JSON.parse(response.body).result?.content?.[0]?.text : `HTTP ${response.status} ${response.body}`);
      },
      relay: async () => check('relay', await relay.echo('hop')),
    };
    log(`measuring: ${warmup} warm-up + ${iterations} calls per case, interleaved, sequential`);
    const measured = await measureSideBySide(cases, { iterations, warmup, roundSize: SETTINGS.roundSize, budgetMs: SETTINGS.budgetMs, signal });

    // The shared session multiplexes: calls in flight at once (a per-call session on a stdio server
    // cannot, the runner refuses a second session).
    const concurrency = {};
    for (const inFlight of SETTINGS.concurrency) {
      log(`concurrency ${inFlight}: ${SETTINGS.concurrentCalls} calls per case`);
      concurrency[inFlight] = {};
      for (const name of ['grpcShared', 'relay']) {
        signal.throwIfAborted();
        concurrency[inFlight][name] = await inParallel(cases[name], inFlight, SETTINGS.concurrentCalls);
      }
    }

    // The gRPC call ends after its row is completed; the MCP gateway does not wait: poll.
    let auditRows = 0;
    let pending = -1;
    for (let tries = 0; tries < 200 && pending !== 0; tries++) {
      [auditRows, pending] = await Promise.all([prisma.toolInvocation.count({ where: { tool: 'echo' } }), prisma.toolInvocation.count({ where: { outcome: 'PENDING' } })]);
      if (pending !== 0) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (auditRows !== gatewayCalls || pending !== 0) throw new Error(`audit rows ${auditRows} (pending ${pending}) != gateway calls ${gatewayCalls}`);

    const stats = Object.fromEntries(Object.entries(measured.samples).map(([name, samples]) => [name, summarize(samples)]));
    return {
      settings: { ...SETTINGS, iterations, warmup },
      conditions:
        'sequential, one call in flight per case; the clients and the control plane in the bench process (one event loop), the runner and each ' +
        'server-everything in their own processes; nats-server in operator mode, Postgres (embedded) and Redis on 127.0.0.1; audit on; ' +
        'grpc = plaintext HTTP/2 on loopback, one upstream MCP session opened and closed per call; grpc/shared, mcp/json and relay reuse one session',
      cases: {
        grpc: { label: '(a) grpc-js → CallTool → new upstream session → relay → stdio', ...stats.grpc },
        grpcShared: { label: '(d) grpc-js → CallTool → shared session (stateless) → relay → stdio', ...stats.grpcShared },
        mcpJson: { label: '(b) node:http → /mcp/everything (JSON) → relay → stdio', ...stats.mcpJson },
        relay: { label: '(c) RunnerRelay → NATS → runner → stdio', ...stats.relay },
      },
      ratios: {
        'grpc/mcpJson': ratios(stats.grpc, stats.mcpJson),
        'grpcShared/mcpJson': ratios(stats.grpcShared, stats.mcpJson),
        'grpcShared/relay': ratios(stats.grpcShared, stats.relay),
        'grpc/relay': ratios(stats.grpc, stats.relay),
        'mcpJson/relay': ratios(stats.mcpJson, stats.relay),
      },
      concurrency,
      audit: { rows: auditRows, gatewayCalls },
      measured: { truncated: measured.truncated, wallMs: measured.wallMs, perCase: measured.samples.relay.length },
    };
  } finally {
    for (const { name, fn } of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error(`  grpc: cleanup of ${name} failed: ${error?.message ?? error}`);
      }
    }
  }
}

/** `total` calls of `fn`, `inFlight` at a time: calls/s over the batch, p50/p99 per call. */
async function inParallel(fn, inFlight, total) {
  const samples = [];
  let started = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (started < total) {
      started += 1;
      const t = performance.now();
      await fn();
      samples.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const wallMs = performance.now() - t0;
  const stats = summarize(samples);
  return { n: stats.n, p50: stats.p50, p99: stats.p99, callsPerSecond: Math.round(total / (wallMs / 1000)) };
}

/** The runner stand-in process; resolves once it listens. */
async function startRunner(env, signal) {
  const child = spawn(process.execPath, [RELAY_RUNNER], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner not ready within 20 s: ${stderr}`)), 20_000);
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
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** An initialized relay session with `echo(text)`, waiting for each answer by id. */
async function relayClient(relay, runnerId, { deploymentId, versionId }) {
  const session = relay.openSession(runnerId, { sessionId: randomUUID(), deploymentId, versionId });
  const waiting = new Map();
  let failure;
  void (async () => {
    try {
      for await (const event of session.messages) {
        if (event.type !== 'message' || 'method' in event.message) continue;
        waiting.get(event.message.id)?.(event.message);
        waiting.delete(event.message.id);
      }
    } catch (error) {
      failure = error;
      for (const resolve of waiting.values()) resolve({ error: { message: error.message } });
    }
  })();
  let nextId = 1;
  const request = async (method, params) => {
    if (failure) throw failure;
    const id = nextId++;
    const answered = new Promise((resolve) => waiting.set(id, resolve));
    await session.send({ jsonrpc: '2.0', id, method, params });
    const message = await answered;
    if (message.error) throw new Error(`${method} failed: ${message.error.message}`);
    return message.result;
  };
  await request('initialize', { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'bench-relay', version: '0.0.0' } });
  await session.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return { echo: async (message) => (await request('tools/call', { name: 'echo', arguments: { message } })).content?.[0]?.text, close: () => session.close('bench done') };
}

export function report(result) {
  const latency = formatTable(
    [
      { title: 'case', key: 'label' },
      { title: 'n', key: 'n' },
      { title: 'p50 ms', key: 'p50', digits: 3 },
      { title: 'p90 ms', key: 'p90', digits: 3 },
      { title: 'p99 ms', key: 'p99', digits: 3 },
      { title: 'mean ms', key: 'mean', digits: 3 },
      { title: 'calls/s', key: 'rps' },
    ],
    Object.values(result.cases),
  );
  const times = (x) => `${x.toFixed(2)}x`;
  const ratioTable = formatTable(
    [
      { title: 'ratio', key: 'ratio' },
      { title: 'p50', key: 'p50', align: 'right' },
      { title: 'p90', key: 'p90', align: 'right' },
      { title: 'p99', key: 'p99', align: 'right' },
      { title: 'mean', key: 'mean', align: 'right' },
    ],
    Object.entries(result.ratios).map(([name, r]) => ({ ratio: name, p50: times(r.p50), p90: times(r.p90), p99: times(r.p99), mean: times(r.mean) })),
  );
  const concurrencyTable = formatTable(
    [
      { title: 'case', key: 'label' },
      { title: 'in flight', key: 'inFlight' },
      { title: 'n', key: 'n' },
      { title: 'p50 ms', key: 'p50', digits: 3 },
      { title: 'p99 ms', key: 'p99', digits: 3 },
      { title: 'calls/s', key: 'callsPerSecond' },
    ],
    Object.entries(result.concurrency ?? {}).flatMap(([inFlight, byCase]) => Object.entries(byCase).map(([name, r]) => ({ label: result.cases[name]?.label ?? name, inFlight, ...r }))),
  );
  const note = result.measured.truncated ? `\nNOTE: the time budget cut the run short at ${result.measured.perCase} calls per case.` : '';
  return [
    `gRPC ToolGateway, ${result.measured.perCase} sequential echo calls per case after ${result.settings.warmup} warm-up, interleaved (${(result.measured.wallMs / 1000).toFixed(1)} s)`,
    '',
    latency,
    '',
    ratioTable,
    '',
    concurrencyTable,
    '',
    `audit rows ${result.audit.rows} = gateway calls ${result.audit.gatewayCalls}`,
    `conditions: ${result.conditions}` + note,
  ].join('\n');
}
