// The MCP gateway beside the popular stdio→HTTP bridges (issue 5, "Measure"): `tools/call echo` on
// @modelcontextprotocol/server-everything at 1, 16 and 64 calls in flight, in one run, interleaved:
//
//   (a) gateway       the SDK's StreamableHTTPClientTransport → /mcp/everything on a control plane
//                     (auth, rate limit, session, audit row before dispatch) → nats-server → runner
//                     process → stdio server-everything. Audit on; rows = calls is checked.
//   (a2) gateway/json the same path on /mcp/everything-json (its own server), node:http asking for one JSON body (the gateway offers
//                     JSON; no other HTTP case here does, so the SDK client is what they share).
//   (b) http direct   the SDK client → server-everything's own Streamable HTTP mode: the baseline.
//   (c) stdio direct  the SDK client over StdioClientTransport to its own server-everything.
//   (d) mcp-proxy     the SDK client → `mcp-proxy --server stream` → stdio server-everything.
//   (e) supergateway  the SDK client → `supergateway --outputTransport streamableHttp --stateful`
//                     → stdio server-everything (stateless mode spawns a server per POST).
//   (r) relay         RunnerRelay → NATS → runner → stdio, no HTTP/auth/audit: for "where the time goes".
//
// One MCP session per case, shared by all calls in flight (the stdio servers serve one session
// each); every case has its own server-everything process.
import nodeHttp from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort, measureInterleavedConcurrency, runBatch, startHttpProcess } from '../lib/bridges.js';
import { checkAuditRows, echoCall, echoText, openJsonSession } from '../lib/gateway.js';
import { EVERYTHING_ENTRY, expectEcho, placeEverythingOnRunner, relayClient } from '../lib/runner.js';
import { UNLIMITED_MCP_RATE, controlPlane, controlPlaneConfig, controlPlaneEnv, createCleanups, createControlPlane, startControlPlaneProcess, startStack } from '../lib/stack.js';
import { round, summarize } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';

export const description = 'tools/call echo at 1/16/64 in flight: /mcp/everything vs server-everything direct (stdio, Streamable HTTP) vs mcp-proxy and supergateway';
export const timeoutMs = 480_000;

const SETTINGS = { levels: [1, 16, 64], callsPerLevel: 2_000, warmup: 200, budgetMsPerLevel: 90_000, stageCalls: 1_000 };
const roundCalls = (level) => Math.max(100, level * 10);
/** --smoke: one small round per level. */
const SMOKE = { warmup: 10, stageCalls: 20 };

const require = createRequire(import.meta.url);
// By package.json, not the entry: their `exports` do not list the CLI files.
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`));
const MCP_PROXY_BIN = join(packageDir('mcp-proxy'), 'dist', 'bin', 'mcp-proxy.mjs');
const SUPERGATEWAY_BIN = join(packageDir('supergateway'), 'dist', 'index.js');
const bridgeVersion = (name) => require(`${name}/package.json`).version;

export async function run({ signal, log, iterations = SETTINGS.callsPerLevel, smoke = false }) {
  const callsPerLevel = iterations;
  const settings = smoke ? { ...SETTINGS, ...SMOKE } : SETTINGS;
  const warmup = Math.min(settings.warmup, callsPerLevel);
  const callsPerRound = smoke ? () => callsPerLevel : roundCalls;
  const { defer, runAll } = createCleanups('gateway-bridges');
  try {
    const { ApiKeyRole } = await import('@switchyard/db');
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');

    const stack = await startStack({ suite: 'gateway-bridges', defer, log, signal });
    // Setup (rows, the runner's JWT, the placement, the key) and the relay baseline use a control
    // plane in the bench process; the gateway cases go to a second replica in a process of its own,
    // as deployed and as the bridges run: it does not share an event loop with the clients.
    log('starting the control plane in-process (setup) and as a process of its own (the gateway measured)');
    const { PRISMA } = await import(controlPlane('database/database.module.js'));
    const { REDIS } = await import(controlPlane('connections/connections.module.js'));
    const { ApiKeysService } = await import(controlPlane('api-keys/api-keys.service.js'));
    const { CLI_ACTOR } = await import(controlPlane('admin-events/actor.js'));
    const { RunnerRelay } = await import(controlPlane('relay/runner-relay.js'));
    const env = controlPlaneEnv(stack, UNLIMITED_MCP_RATE);
    const app = await createControlPlane(await controlPlaneConfig(env), { defer });
    const prisma = app.get(PRISMA);
    const redis = app.get(REDIS);
    const { deployments, runnerRow } = await placeEverythingOnRunner({
      app,
      nats: stack.nats,
      // The JSON case gets a server of its own: a stdio server serves one session at a time.
      versions: [{ serverName: 'everything' }, { serverName: 'everything-json' }, { serverName: 'everything-relay' }],
      log,
      signal,
      defer,
    });
    const { key: apiKey } = await app.get(ApiKeysService).create(CLI_ACTOR, { name: 'bench-agent', role: ApiKeyRole.AGENT });
    // BENCH_CPU_PROF_DIR: the measured control plane writes a V8 CPU profile there when it stops.
    const profileDir = process.env.BENCH_CPU_PROF_DIR;
    const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const { baseUrl, pid: gatewayPid } = await startControlPlaneProcess(env, { defer, signal, name: 'gateway process', nodeArgs });

    /** How each server answered the SDK client's POSTs with a request: { [name]: { json, sse } } (the SDK accepts both). */
    const answeredAs = {};
    const countingFetch = (name) => async (url, init) => {
      const response = await fetch(url, init);
      if (init?.method === 'POST' && response.status === 200) {
        const counts = (answeredAs[name] ??= { json: 0, sse: 0 });
        counts[response.headers.get('content-type')?.includes('text/event-stream') ? 'sse' : 'json'] += 1;
      }
      return response;
    };
    /** An SDK client on a Streamable HTTP URL; closed (session DELETEd) by the cleanups. */
    const connectHttp = async (name, url, headers = {}) => {
      const client = new Client({ name: `bench-${name}`, version: '0.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, fetch: countingFetch(name) });
      await client.connect(transport);
      defer(`${name} client`, async () => {
        await transport.terminateSession().catch(() => {});
        await client.close();
      });
      return client;
    };

    log('starting server-everything (Streamable HTTP), mcp-proxy and supergateway');
    const [directPort, proxyPort, superPort] = [await freePort(), await freePort(), await freePort()];
    const { value: httpDirect, pid: directPid } = await startHttpProcess({
      name: 'server-everything streamableHttp',
      args: [EVERYTHING_ENTRY, 'streamableHttp'],
      env: { PORT: String(directPort) },
      ready: () => connectHttp('http-direct', `http://127.0.0.1:${directPort}/mcp`),
      defer,
      signal,
    });
    const { value: viaMcpProxy, pid: proxyPid } = await startHttpProcess({
      name: 'mcp-proxy',
      args: [MCP_PROXY_BIN, '--host', '127.0.0.1', '--port', String(proxyPort), '--server', 'stream', '--', process.execPath, EVERYTHING_ENTRY, 'stdio'],
      ready: () => connectHttp('mcp-proxy', `http://127.0.0.1:${proxyPort}/mcp`),
      defer,
      signal,
    });
    const { value: viaSupergateway, pid: superPid } = await startHttpProcess({
      name: 'supergateway',
      args: [SUPERGATEWAY_BIN, '--stdio', `${process.execPath} ${EVERYTHING_ENTRY} stdio`, '--outputTransport', 'streamableHttp', '--stateful', '--port', String(superPort), '--logLevel', 'none'],
      ready: () => connectHttp('supergateway', `http://127.0.0.1:${superPort}/mcp`),
      defer,
      signal,
    });

    log('connecting the gateway, stdio and relay clients');
    const gateway = await connectHttp('gateway', `${baseUrl}/mcp/everything`, { Authorization: `Bearer ${apiKey}` });
    const jsonSessionHeaders = await openJsonSession({ baseUrl, http: jsonSetupClient(baseUrl, defer), apiKey, path: '/mcp/everything-json', defer });
    const jsonAgent = new nodeHttp.Agent({ keepAlive: true, maxSockets: 64 });
    defer('JSON agent', () => jsonAgent.destroy());
    const stdio = new Client({ name: 'bench-stdio', version: '0.0.0' });
    await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'], stderr: 'ignore' }));
    defer('stdio client', () => stdio.close());
    const relay = await relayClient(app.get(RunnerRelay), runnerRow.id, deployments[2]);
    defer('relay session', () => relay.close());

    let gatewayCalls = 0;
    let jsonId = 1;
    const sdkEcho = (label, client) => async () => expectEcho(label, (await client.callTool({ name: 'echo', arguments: { message: 'hop' } })).content?.[0]?.text);
    const gatewaySdk = sdkEcho('gateway', gateway);
    const cases = {
      gateway: async () => {
        gatewayCalls += 1;
        await gatewaySdk();
      },
      gatewayJson: async () => {
        gatewayCalls += 1;
        expectEcho('gateway/json', await postJson(baseUrl, jsonAgent, jsonSessionHeaders, echoCall(jsonId++)));
      },
      httpDirect: sdkEcho('http direct', httpDirect),
      stdioDirect: sdkEcho('stdio direct', stdio),
      mcpProxy: sdkEcho('mcp-proxy', viaMcpProxy),
      supergateway: sdkEcho('supergateway', viaSupergateway),
    };
    // CPU per call of every process while a case runs: on 2 shared cores it bounds the case's calls/s.
    const cpuLabel = ({ pid, argv }) => {
      if (pid === process.pid) return 'bench process (SDK clients)';
      if (pid === gatewayPid) return 'control plane';
      if (pid === proxyPid) return 'mcp-proxy';
      if (pid === superPid) return 'supergateway';
      if (argv.some((arg) => arg.endsWith('relay-runner.mjs'))) return 'runner';
      if (argv.includes(EVERYTHING_ENTRY)) return argv.includes('streamableHttp') ? 'server-everything (HTTP)' : 'server-everything (stdio)';
      return undefined;
    };
    const measured = await measureInterleavedConcurrency(cases, { levels: SETTINGS.levels, callsPerLevel, roundCalls: callsPerRound, warmup, budgetMs: SETTINGS.budgetMsPerLevel, signal, log, cpuLabel });

    log('where the time goes: relay hop, Postgres and Redis round trips, sequential');
    const stageCalls = Math.min(settings.stageCalls, callsPerLevel);
    const stages = {
      relay: await timeSequential(async () => expectEcho('relay', await relay.echo('hop')), stageCalls),
      gatewaySeq: await timeSequential(cases.gateway, stageCalls),
      gatewayJsonSeq: await timeSequential(cases.gatewayJson, stageCalls),
      stdioSeq: await timeSequential(cases.stdioDirect, stageCalls),
      postgresSelect1: await timeSequential(() => prisma.$queryRawUnsafe('SELECT 1'), stageCalls),
      redisPing: await timeSequential(() => redis.ping(), stageCalls),
    };
    const audit = await checkAuditRows(prisma, gatewayCalls);

    const r = measured.results;
    const base = (level) => r[level].httpDirect;
    const bestBridge = (level) => Math.max(r[level].mcpProxy.callsPerSecond, r[level].supergateway.callsPerSecond);
    const goals = Object.fromEntries(
      SETTINGS.levels.map((level) => [
        level,
        {
          gatewayP50MinusHttpDirectMs: round(r[level].gateway.p50 - base(level).p50),
          gatewayJsonP50MinusHttpDirectMs: round(r[level].gatewayJson.p50 - base(level).p50),
          p50Goal: r[level].gateway.p50 - base(level).p50 <= 1.5 ? 'met' : 'missed',
          gatewayCallsPerSecond: r[level].gateway.callsPerSecond,
          bestBridgeCallsPerSecond: bestBridge(level),
          callsPerSecondGoal: r[level].gateway.callsPerSecond >= bestBridge(level) ? 'met' : 'missed',
        },
      ]),
    );
    return {
      settings: { ...settings, callsPerLevel, warmup, roundCalls: Object.fromEntries(SETTINGS.levels.map((l) => [l, callsPerRound(l)])) },
      versions: { mcpProxy: bridgeVersion('mcp-proxy'), supergateway: bridgeVersion('supergateway'), serverEverything: bridgeVersion('@modelcontextprotocol/server-everything') },
      conditions: {
        responseMode:
          'the SDK client accepts one JSON body or SSE; server-everything and both bridges answer with SSE (no JSON mode in their CLIs), the gateway with one JSON body ' +
          'when the answer comes alone within 10 ms, else SSE (counts in answeredAs); gateway/json asks for application/json only',
        sessions: 'one stateful MCP session per case, shared by all calls in flight (c concurrent callTool on one client); every case has its own server-everything process',
        processes:
          `bench process: all clients + the measuring loop + a control plane used for setup and the relay baseline; separate processes: the control plane measured (pid ${gatewayPid}), runner (+ its 3 server-everything), ` +
          `server-everything streamableHttp (pid ${directPid}), mcp-proxy (pid ${proxyPid}) + its server, supergateway (pid ${superPid}) + its server, the stdio server, ` +
          'Postgres, nats-server (operator mode), redis-server: all on the same 2 cores, no pinning',
        bindings: 'the gateway and mcp-proxy bind 127.0.0.1; server-everything and supergateway have no host option and bind all interfaces (the clients use 127.0.0.1)',
        audit: 'on: each gateway call writes a ToolInvocation row before dispatch and completes it after; rows checked = calls',
      },
      answeredAs,
      concurrency: r,
      truncatedLevels: measured.truncated,
      goals,
      stages: Object.fromEntries(Object.entries(stages).map(([key, s]) => [key, { p50: s.p50, p99: s.p99, mean: s.mean }])),
      relayAckP50Ms: round(summarize(relay.timings.ackMs).p50),
      audit,
    };
  } finally {
    await runAll();
  }
}

/** The one-socket client openJsonSession sends its initialized notification and DELETE on. */
function jsonSetupClient(baseUrl, defer) {
  const agent = new nodeHttp.Agent({ keepAlive: true, maxSockets: 1 });
  defer('JSON setup agent', () => agent.destroy());
  const { hostname, port } = new URL(baseUrl);
  return {
    request: (method, path, { headers = {}, body } = {}) =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.from(body);
        const req = nodeHttp.request({ agent, host: hostname, port, method, path, headers: payload ? { ...headers, 'content-length': payload.length } : headers }, (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(payload);
      }),
  };
}

/** One JSON-RPC POST answered with one JSON body, on a keep-alive agent with many sockets: the echoed text. */
function postJson(baseUrl, agent, headers, json) {
  const { hostname, port } = new URL(baseUrl);
  const body = Buffer.from(json);
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request({ agent, host: hostname, port, method: 'POST', path: '/mcp/everything-json', headers: { ...headers, 'content-length': body.length } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve(echoText({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function timeSequential(fn, count) {
  return summarize((await runBatch(fn, 1, count)).durations);
}

const LABELS = {
  gateway: '(a) gateway /mcp/everything (SDK)',
  gatewayJson: '(a2) gateway /mcp/everything-json (node:http, JSON)',
  httpDirect: '(b) server-everything Streamable HTTP',
  stdioDirect: '(c) server-everything stdio (SDK)',
  mcpProxy: '(d) mcp-proxy → stdio',
  supergateway: '(e) supergateway → stdio',
};

export function report(result) {
  const rows = [];
  for (const [level, cases] of Object.entries(result.concurrency)) {
    const base = cases.httpDirect;
    for (const [key, s] of Object.entries(cases)) {
      rows.push({ c: Number(level), label: LABELS[key], p50: s.p50, p99: s.p99, rps: s.callsPerSecond, p50x: round(s.p50 / base.p50, 2), rpsx: round(s.callsPerSecond / base.callsPerSecond, 2) });
    }
  }
  const table = formatTable(
    [
      { title: 'in flight', key: 'c' },
      { title: 'case', key: 'label' },
      { title: 'p50 ms', key: 'p50', digits: 3 },
      { title: 'p99 ms', key: 'p99', digits: 3 },
      { title: 'calls/s', key: 'rps' },
      { title: 'p50 / (b)', key: 'p50x', digits: 2 },
      { title: 'calls/s / (b)', key: 'rpsx', digits: 2 },
    ],
    rows,
  );
  const goals = Object.entries(result.goals).map(
    ([level, g]) =>
      `  c=${level}: p50 ${g.gatewayP50MinusHttpDirectMs >= 0 ? '+' : ''}${g.gatewayP50MinusHttpDirectMs} ms over (b) (goal ≤ +1.5: ${g.p50Goal}; JSON ${g.gatewayJsonP50MinusHttpDirectMs >= 0 ? '+' : ''}${g.gatewayJsonP50MinusHttpDirectMs} ms), ` +
      `${g.gatewayCallsPerSecond} calls/s vs best bridge ${g.bestBridgeCallsPerSecond} (${g.callsPerSecondGoal})`,
  );
  const cpuRows = [];
  for (const [level, cases] of Object.entries(result.concurrency)) {
    for (const [key, { cpuUsPerCall }] of Object.entries(cases)) {
      if (cpuUsPerCall === undefined) continue;
      const { total, ...parts } = cpuUsPerCall;
      cpuRows.push({ c: Number(level), label: LABELS[key], total, parts: Object.entries(parts).map(([name, us]) => `${name} ${us}`).join(', ') });
    }
  }
  const cpuTable =
    cpuRows.length === 0
      ? '  (no /proc here: CPU per process not measured)'
      : formatTable(
          [
            { title: 'in flight', key: 'c' },
            { title: 'case', key: 'label' },
            { title: 'CPU µs/call', key: 'total' },
            { title: 'by process (µs/call)', key: 'parts' },
          ],
          cpuRows,
        );
  const s = result.stages;
  const where = [
    `  sequential p50: gateway (SDK) ${s.gatewaySeq.p50} ms, gateway JSON ${s.gatewayJsonSeq.p50} ms, RunnerRelay → NATS → runner → stdio ${s.relay.p50} ms (send ack ${result.relayAckP50Ms} ms), stdio direct ${s.stdioSeq.p50} ms`,
    `  relay hop over stdio direct (NATS both ways, runner process): ${round(s.relay.p50 - s.stdioSeq.p50)} ms; HTTP + auth + rate limit + session + audit over the relay: JSON ${round(s.gatewayJsonSeq.p50 - s.relay.p50)} ms, SDK ${round(s.gatewaySeq.p50 - s.relay.p50)} ms`,
    `  unit round trips from the control plane: Postgres SELECT 1 ${s.postgresSelect1.p50} ms p50 (the audit row is one INSERT before dispatch, its completion after the answer is not awaited), Redis PING ${s.redisPing.p50} ms p50`,
  ];
  const c = result.conditions;
  return [
    `gateway vs bridges: tools/call echo, ${result.settings.callsPerLevel} calls per case per level after ${result.settings.warmup} warm-up, interleaved batches; mcp-proxy ${result.versions.mcpProxy}, supergateway ${result.versions.supergateway}, server-everything ${result.versions.serverEverything}`,
    '',
    table,
    '',
    'goals (gateway = (a), the SDK client like the bridges):',
    ...goals,
    '',
    'where the time goes: CPU of every process per call while the case ran (all of them share the 2 cores):',
    cpuTable,
    '',
    'where the time goes (sequential, after the concurrency runs):',
    ...where,
    '',
    `answered as (POSTs with a request, as the SDK client saw them): ${Object.entries(result.answeredAs).map(([name, { json, sse }]) => `${name} ${json} JSON / ${sse} SSE`).join(', ')}`,
    `audit rows ${result.audit.rows} = gateway calls ${result.audit.gatewayCalls}`,
    `conditions: response mode: ${c.responseMode}; sessions: ${c.sessions}; processes: ${c.processes}; ${c.bindings}; audit ${c.audit}` +
      (result.truncatedLevels.length ? `\nTRUNCATED at the time budget: levels ${result.truncatedLevels.join(', ')} (counts equal across cases)` : ''),
  ].join('\n');
}
