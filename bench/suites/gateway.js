// What the MCP gateway costs: `tools/call echo` on @modelcontextprotocol/server-everything (stdio),
// measured side by side in one run:
//
//   (a) gateway/sse   the MCP SDK's Client over StreamableHTTPClientTransport → /mcp/everything on a
//                     control plane (auth, audit row before dispatch, relay) → nats-server → a runner
//                     process → the stdio server. The SDK accepts JSON or SSE: a quick answer comes as
//                     one JSON body (the gateway's choice), a slower one as an SSE stream.
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
import nodeHttp from 'node:http';
import { echoCall, echoText, checkAuditRows, openJsonSession } from '../lib/gateway.js';
import { createHttpClient } from '../lib/http.js';
import { EVERYTHING_ENTRY, expectEcho, placeEverythingOnRunner, relayClient } from '../lib/runner.js';
import { UNLIMITED_MCP_RATE, controlPlane, controlPlaneConfig, createCleanups, createControlPlane, listen, startStack } from '../lib/stack.js';
import { measureConcurrency, measureSideBySide, ratios, round, summarizeEach } from '../lib/stats.js';
import { formatConcurrencyTable, formatRatioTable, formatTable, latencyColumns, truncationNote } from '../lib/table.js';

/** The JSON case's own copy of server-everything (see placeEverythingOnRunner below). */
const JSON_PATH = '/mcp/everything-json';

export const description = 'tools/call echo through /mcp/everything (the SDK client, and node:http asking for JSON) vs RunnerRelay directly vs the SDK client on stdio';
export const timeoutMs = 240_000;

const SETTINGS = { warmup: 200, iterations: 2_000, roundSize: 100, budgetMs: 60_000, concurrency: [16, 64], concurrentCalls: 2_000 };

/** --smoke: the in-flight batches as small as the sequential part. */
const SMOKE = { concurrentCalls: 64 };

export async function run({ signal, log, iterations = SETTINGS.iterations, smoke = false }) {
  const settings = smoke ? { ...SETTINGS, ...SMOKE } : SETTINGS;
  const warmup = Math.min(settings.warmup, iterations);
  const { defer, runAll } = createCleanups('gateway');
  try {
    const { ApiKeyRole } = await import('@switchyard/db');
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');

    const stack = await startStack({ suite: 'gateway', defer, log, signal });

    log('starting the control plane in-process');
    const { PRISMA } = await import(controlPlane('database/database.module.js'));
    const { ApiKeysService } = await import(controlPlane('api-keys/api-keys.service.js'));
    const { CLI_ACTOR } = await import(controlPlane('admin-events/actor.js'));
    const { RunnerRelay } = await import(controlPlane('relay/runner-relay.js'));
    const config = await controlPlaneConfig(stack, UNLIMITED_MCP_RATE);
    const app = await createControlPlane(config, { defer });
    const baseUrl = await listen(app);
    const prisma = app.get(PRISMA);
    // A second replica (same database, Redis, NATS and keys) for the cross-replica case.
    const replica = await createControlPlane(config, { defer, name: 'second replica' });
    const replicaUrl = await listen(replica);

    // One server per case: with no rollout the router sends every session of a server to its
    // champion, and a stdio server serves one session at a time.
    log('registering server-everything three times (the SSE session, the JSON session, the relay case)');
    const { deployments, runnerRow } = await placeEverythingOnRunner({
      app,
      nats: stack.nats,
      versions: [{ serverName: 'everything' }, { serverName: 'everything-json' }, { serverName: 'everything-relay' }],
      log,
      signal,
      defer,
    });

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
    const sessionHeaders = await openJsonSession({ baseUrl, http, apiKey, defer, path: JSON_PATH });

    const viaReplica = createHttpClient(replicaUrl);
    defer('gateway JSON client via the other replica', () => viaReplica.close());

    const relay = await relayClient(app.get(RunnerRelay), runnerRow.id, deployments[2]);
    defer('relay session', () => relay.close());

    const direct = new Client({ name: 'bench-direct', version: '0.0.0' });
    await direct.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'], stderr: 'ignore' }));
    defer('direct client', () => direct.close());

    let jsonId = 1;
    let gatewayCalls = 0;
    const cases = {
      gatewaySse: async () => {
        gatewayCalls += 1;
        expectEcho('gateway/sse', (await sdkGateway.callTool({ name: 'echo', arguments: { message: 'hop' } })).content?.[0]?.text);
      },
      gatewayJson: async () => {
        gatewayCalls += 1;
        expectEcho('gateway/json', echoText(await http.request('POST', JSON_PATH, { headers: sessionHeaders, body: echoCall(jsonId++) })));
      },
      gatewayOtherReplica: async () => {
        gatewayCalls += 1;
        expectEcho('gateway/json via the other replica', echoText(await viaReplica.request('POST', JSON_PATH, { headers: sessionHeaders, body: echoCall(jsonId++) })));
      },
      relay: async () => expectEcho('relay', await relay.echo('hop')),
      direct: async () => expectEcho('direct', (await direct.callTool({ name: 'echo', arguments: { message: 'hop' } })).content?.[0]?.text),
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
        expectEcho('gateway/json (concurrent)', await postJson(baseUrl, parallelHttp, sessionHeaders, echoCall(jsonId++)));
      },
      relay: cases.relay,
      direct: cases.direct,
    };
    const concurrency = await measureConcurrency(concurrentCases, { inFlight: settings.concurrency, total: settings.concurrentCalls, signal, log });

    const audit = await checkAuditRows(prisma, gatewayCalls);

    const stats = summarizeEach(measured.samples);
    return {
      settings: { ...settings, iterations, warmup },
      conditions:
        'sequential, one call in flight per case; all clients and the control plane in the bench process (one event loop), the runner and each ' +
        'server-everything in their own processes; nats-server in operator mode, Postgres (embedded) and Redis on 127.0.0.1; audit on ' +
        '(row written before dispatch, completed after); gateway/sse = the SDK client (accepts JSON or SSE: answered with one JSON body when the answer comes alone within 10 ms, else SSE), ' +
        'gateway/json = one JSON body on a keep-alive node:http socket; (e) = the JSON session of (b) reached through a second control plane in the same process',
      cases: {
        gatewaySse: { label: '(a) SDK client → /mcp/everything → relay → stdio', ...stats.gatewaySse },
        gatewayJson: { label: '(b) node:http → /mcp/everything-json (JSON) → relay → stdio', ...stats.gatewayJson },
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
        sse: { p50: round(stats.gatewaySse.p50 - stats.relay.p50), p99: round(stats.gatewaySse.p99 - stats.relay.p99) },
        json: { p50: round(stats.gatewayJson.p50 - stats.relay.p50), p99: round(stats.gatewayJson.p99 - stats.relay.p99) },
      },
      concurrency,
      audit,
      measured: { truncated: measured.truncated, wallMs: measured.wallMs, perCase: measured.samples.direct.length },
    };
  } finally {
    await runAll();
  }
}

/** One JSON-RPC POST answered with one JSON body, on a shared keep-alive agent (many sockets): the echoed text. */
function postJson(baseUrl, agent, headers, json) {
  const { hostname, port } = new URL(baseUrl);
  const body = Buffer.from(json);
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request({ agent, host: hostname, port, method: 'POST', path: JSON_PATH, headers: { ...headers, 'content-length': body.length } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve(echoText({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function report(result) {
  const latency = formatTable([...latencyColumns(), { title: 'calls/s', key: 'rps' }], Object.values(result.cases));
  const ratioTable = formatRatioTable(Object.entries(result.ratios).map(([ratio, r]) => ({ ratio, ...r })));
  const concurrencyTable = formatConcurrencyTable(result.concurrency, result.cases);
  const o = result.overheadOverRelayMs;
  return [
    `MCP gateway, ${result.measured.perCase} sequential tools/call echo per case after ${result.settings.warmup} warm-up, interleaved (${(result.measured.wallMs / 1000).toFixed(1)} s)`,
    '',
    latency,
    '',
    ratioTable,
    '',
    concurrencyTable,
    '',
    `the gateway adds over the relay: SDK client ${o.sse.p50} ms p50 / ${o.sse.p99} ms p99, node:http JSON ${o.json.p50} ms p50 / ${o.json.p99} ms p99`,
    `audit rows ${result.audit.rows} = gateway calls ${result.audit.gatewayCalls}`,
    `conditions: ${result.conditions}` + truncationNote(result.measured),
  ].join('\n');
}
