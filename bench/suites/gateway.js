// What the MCP gateway costs: `tools/call echo` on @modelcontextprotocol/server-everything (stdio),
// measured side by side in one run:
//
//   (a) gateway/sse   the MCP SDK's Client over StreamableHTTPClientTransport → /mcp/everything on a
//                     control plane (auth, audit row before dispatch, relay) → nats-server → a runner
//                     process → the stdio server. The answer comes as an SSE stream (the SDK's mode).
//   (b) gateway/json  the same path, a keep-alive node:http client asking for one JSON body.
//   (c) relay         RunnerRelay of the same control plane → NATS → runner → stdio (no HTTP, no
//                     auth, no audit): what the gateway stands on.
//   (d) direct        the SDK's Client over StdioClientTransport to its own server-everything.
//   (e) other replica as (b), sent to a second control plane that does not hold the session: handed
//                     to the holder over NATS, the answer read back from the Redis stream log.
//
// Every case has its own server-everything process (a stdio server serves one session at a time).
// Audit is on: every gateway call writes and completes a ToolInvocation row; the suite checks that
// the rows equal the calls. Sequential, one call in flight per case.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import nodeHttp from 'node:http';
import { createHttpClient } from '../lib/http.js';
import { measureSideBySide, ratios, summarize } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';

export const description = 'tools/call echo through /mcp/everything (SSE and JSON) vs RunnerRelay directly vs the SDK client on stdio';
export const timeoutMs = 240_000;

const SETTINGS = { warmup: 200, iterations: 2_000, roundSize: 100, budgetMs: 60_000, concurrency: [16, 64], concurrentCalls: 2_000 };
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
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');

    const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-gateway-'));
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

    log('starting the control plane in-process');
    const { loadConfig } = await import(controlPlane('config/config.js'));
    const { createLogger } = await import(controlPlane('logging/logger.js'));
    const { createApp } = await import(controlPlane('create-app.js'));
    const { PRISMA } = await import(controlPlane('database/database.module.js'));
    const { ApiKeysService } = await import(controlPlane('api-keys/api-keys.service.js'));
    const { CLI_ACTOR } = await import(controlPlane('admin-events/actor.js'));
    const { RunnerCredentialsService } = await import(controlPlane('nats-auth/runner-credentials.service.js'));
    const { PlacementService } = await import(controlPlane('placement/placement.service.js'));
    const { RunnerRelay } = await import(controlPlane('relay/runner-relay.js'));
    const config = loadConfig({
      SWITCHYARD_DATABASE_URL: databaseUrl,
      SWITCHYARD_REDIS_URL: redis.url,
      SWITCHYARD_NATS_URL: nats.url,
      SWITCHYARD_NATS_AUTH_FILE: authFile,
      SWITCHYARD_SECRETS_KEY: randomBytes(32).toString('base64'),
      SWITCHYARD_AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
      SWITCHYARD_HOST: '127.0.0.1',
      SWITCHYARD_PORT: '0',
      SWITCHYARD_LOG_LEVEL: 'silent',
      SWITCHYARD_MIGRATE_ON_START: 'false',
      SWITCHYARD_SKIP_BOOTSTRAP_KEY: 'true',
      // The rate limit is checked on every request (its cost is in the figures) but never refuses:
      // the bench's one key sends thousands of calls a second.
      SWITCHYARD_MCP_RATE_LIMIT_PER_SECOND: '100000',
      SWITCHYARD_MCP_RATE_LIMIT_BURST: '1000000',
    });
    const app = await createApp(config, createLogger(config.logLevel));
    defer('control plane', () => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const baseUrl = `http://127.0.0.1:${address.port}`;
    const prisma = app.get(PRISMA);
    // A second replica (same database, Redis, NATS and keys) for the cross-replica case.
    const replica = await createApp(config, createLogger(config.logLevel));
    defer('second replica', () => replica.close());
    await replica.listen({ port: 0, host: '127.0.0.1' });
    const replicaUrl = `http://127.0.0.1:${replica.getHttpServer().address().port}`;

    log('registering server-everything (two versions for the two gateway sessions, one more server for the relay case)');
    const nodepool = await prisma.nodepool.create({ data: { name: 'bench', kind: 'ON_PREM', region: 'local', jurisdiction: 'EU' } });
    const deploy = async (serverName, version) => {
      const server = await prisma.mcpServer.upsert({ where: { name: serverName }, create: { name: serverName }, update: {} });
      const row = await prisma.mcpServerVersion.create({ data: { serverId: server.id, version, transport: 'STDIO', command: 'node', args: [EVERYTHING_ENTRY, 'stdio'] } });
      const deployment = await prisma.deployment.create({ data: { versionId: row.id, nodepoolId: nodepool.id, replicas: 1 } });
      return { serverName, deploymentId: deployment.id, versionId: row.id };
    };
    const deployments = [await deploy('everything', '1.0.0'), await deploy('everything', '1.0.1'), await deploy('everything-relay', '1.0.0')];

    log('starting the runner process with the three deployments placed on it');
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
    if (placed !== 3) throw new Error(`expected 3 placements on the bench runner, got ${placed}`);

    const { key: apiKey } = await app.get(ApiKeysService).create(CLI_ACTOR, { name: 'bench-agent', role: ApiKeyRole.AGENT });

    log('connecting the clients');
    const sdkGateway = new Client({ name: 'bench-gateway', version: '0.0.0' });
    const sdkTransport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp/everything`), { requestInit: { headers: { Authorization: `Bearer ${apiKey}` } } });
    await sdkGateway.connect(sdkTransport);
    defer('gateway SDK client', async () => {
      await sdkTransport.terminateSession();
      await sdkGateway.close();
    });

    const http = createHttpClient(baseUrl);
    defer('gateway JSON client', () => http.close());
    const jsonHeaders = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
    // initialize with fetch (node:http's client here returns no headers), the calls on the keep-alive socket.
    const init = await fetch(`${baseUrl}/mcp/everything`, {
      method: 'POST',
      headers: jsonHeaders,
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'bench-json', version: '0' } } }),
    });
    const jsonSessionId = init.headers.get('mcp-session-id');
    if (init.status !== 200 || !jsonSessionId) throw new Error(`JSON client initialize: HTTP ${init.status} ${await init.text()}`);
    const sessionHeaders = { ...jsonHeaders, 'mcp-session-id': jsonSessionId, 'mcp-protocol-version': PROTOCOL };
    await http.request('POST', '/mcp/everything', { headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    defer('gateway JSON session', () => http.request('DELETE', '/mcp/everything', { headers: sessionHeaders }));

    const viaReplica = createHttpClient(replicaUrl);
    defer('gateway JSON client via the other replica', () => viaReplica.close());

    const relay = await relayClient(app.get(RunnerRelay), runnerRow.id, deployments[2]);
    defer('relay session', () => relay.close());

    const direct = new Client({ name: 'bench-direct', version: '0.0.0' });
    await direct.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'], stderr: 'ignore' }));
    defer('direct client', () => direct.close());

    const expected = 'Echo: hop';
    const check = (where, text) => {
      if (text !== expected) throw new Error(`${where}: expected "${expected}", got ${JSON.stringify(text).slice(0, 300)}`);
    };
    let jsonId = 1;
    let gatewayCalls = 0;
    const cases = {
      gatewaySse: async () => {
        gatewayCalls += 1;
        check('gateway/sse', (await sdkGateway.callTool({ name: 'echo', arguments: { message: 'hop' } })).content?.[0]?.text);
      },
      gatewayJson: async () => {
        gatewayCalls += 1;
        const response = await http.request('POST', '/mcp/everything', {
          headers: sessionHeaders,
          body: JSON.stringify({ jsonrpc: '2.0', id: jsonId++, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hop' } } }),
        });
        check('gateway/json', response.status === 200 ? JSON.parse(response.body).result?.content?.[0]?.text : `HTTP ${response.status} ${response.body}`);
      },
      gatewayOtherReplica: async () => {
        gatewayCalls += 1;
        const response = await viaReplica.request('POST', '/mcp/everything', {
          headers: sessionHeaders,
          body: JSON.stringify({ jsonrpc: '2.0', id: jsonId++, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hop' } } }),
        });
        check('gateway/json via the other replica', response.status === 200 ? JSON.parse(response.body).result?.content?.[0]?.text : `HTTP ${response.status} ${response.body}`);
      },
      relay: async () => check('relay', await relay.echo('hop')),
      direct: async () => check('direct', (await direct.callTool({ name: 'echo', arguments: { message: 'hop' } })).content?.[0]?.text),
    };
    log(`measuring: ${warmup} warm-up + ${iterations} calls per case, interleaved, sequential`);
    const measured = await measureSideBySide(cases, { iterations, warmup, roundSize: SETTINGS.roundSize, budgetMs: SETTINGS.budgetMs, signal });

    // Concurrency: `c` calls in flight at once in the same session of each case (the stdio server
    // answers them as they complete); calls/s over the whole batch, latency per call.
    const parallelHttp = new nodeHttp.Agent({ keepAlive: true, maxSockets: 64 });
    defer('parallel HTTP agent', () => parallelHttp.destroy());
    const concurrentCases = {
      gatewaySse: cases.gatewaySse,
      gatewayJson: async () => {
        gatewayCalls += 1;
        const text = await postJson(baseUrl, parallelHttp, sessionHeaders, { jsonrpc: '2.0', id: jsonId++, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hop' } } });
        check('gateway/json (concurrent)', text);
      },
      relay: cases.relay,
      direct: cases.direct,
    };
    const concurrency = {};
    for (const inFlight of SETTINGS.concurrency) {
      log(`concurrency ${inFlight}: ${SETTINGS.concurrentCalls} calls per case`);
      concurrency[inFlight] = {};
      for (const [name, fn] of Object.entries(concurrentCases)) {
        signal.throwIfAborted();
        concurrency[inFlight][name] = await inParallel(fn, inFlight, SETTINGS.concurrentCalls);
      }
    }

    // Audit completion is not awaited by the call: wait until every row is completed.
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
        'sequential, one call in flight per case; all clients and the control plane in the bench process (one event loop), the runner and each ' +
        'server-everything in their own processes; nats-server in operator mode, Postgres (embedded) and Redis on 127.0.0.1; audit on ' +
        '(row written before dispatch, completed after); gateway/sse = the SDK client (POST answered as an SSE stream with a priming event), ' +
        'gateway/json = one JSON body on a keep-alive node:http socket; (e) = the JSON session of (b) reached through a second control plane in the same process',
      cases: {
        gatewaySse: { label: '(a) SDK client → /mcp/everything (SSE) → relay → stdio', ...stats.gatewaySse },
        gatewayJson: { label: '(b) node:http → /mcp/everything (JSON) → relay → stdio', ...stats.gatewayJson },
        gatewayOtherReplica: { label: '(e) as (b), through the replica not holding the session', ...stats.gatewayOtherReplica },
        relay: { label: '(c) RunnerRelay → NATS → runner → stdio', ...stats.relay },
        direct: { label: '(d) SDK client → stdio, direct', ...stats.direct },
      },
      ratios: {
        'gatewaySse/direct': ratios(stats.gatewaySse, stats.direct),
        'gatewayJson/direct': ratios(stats.gatewayJson, stats.direct),
        'gatewaySse/relay': ratios(stats.gatewaySse, stats.relay),
        'gatewayJson/relay': ratios(stats.gatewayJson, stats.relay),
        'otherReplica/gatewayJson': ratios(stats.gatewayOtherReplica, stats.gatewayJson),
        'relay/direct': ratios(stats.relay, stats.direct),
      },
      overheadOverRelayMs: {
        sse: { p50: round3(stats.gatewaySse.p50 - stats.relay.p50), p99: round3(stats.gatewaySse.p99 - stats.relay.p99) },
        json: { p50: round3(stats.gatewayJson.p50 - stats.relay.p50), p99: round3(stats.gatewayJson.p99 - stats.relay.p99) },
      },
      concurrency,
      audit: { rows: auditRows, gatewayCalls },
      measured: { truncated: measured.truncated, wallMs: measured.wallMs, perCase: measured.samples.direct.length },
    };
  } finally {
    for (const { name, fn } of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error(`  gateway: cleanup of ${name} failed: ${error?.message ?? error}`);
      }
    }
  }
}

const round3 = (x) => Math.round(x * 1000) / 1000;

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

/** One JSON-RPC POST answered with one JSON body, on a shared keep-alive agent (many sockets). */
function postJson(baseUrl, agent, headers, message) {
  const { hostname, port } = new URL(baseUrl);
  const body = Buffer.from(JSON.stringify(message));
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request({ agent, host: hostname, port, method: 'POST', path: '/mcp/everything', headers: { ...headers, 'content-length': body.length } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve(res.statusCode === 200 ? JSON.parse(text).result?.content?.[0]?.text : `HTTP ${res.statusCode} ${text}`);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
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
  const concurrencyRows = Object.entries(result.concurrency ?? {}).flatMap(([inFlight, byCase]) =>
    Object.entries(byCase).map(([name, r]) => ({ label: `${result.cases[name]?.label ?? name}`, inFlight, ...r })),
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
    concurrencyRows,
  );
  const o = result.overheadOverRelayMs;
  const note = result.measured.truncated ? `\nNOTE: the time budget cut the run short at ${result.measured.perCase} calls per case.` : '';
  return [
    `MCP gateway, ${result.measured.perCase} sequential tools/call echo per case after ${result.settings.warmup} warm-up, interleaved (${(result.measured.wallMs / 1000).toFixed(1)} s)`,
    '',
    latency,
    '',
    ratioTable,
    '',
    concurrencyTable,
    '',
    `the gateway adds over the relay: SSE ${o.sse.p50} ms p50 / ${o.sse.p99} ms p99, JSON ${o.json.p50} ms p50 / ${o.json.p99} ms p99`,
    `audit rows ${result.audit.rows} = gateway calls ${result.audit.gatewayCalls}`,
    `conditions: ${result.conditions}` + note,
  ].join('\n');
}
