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
import { echoCall, echoText, checkAuditRows, openJsonSession } from '../lib/gateway.js';
import { createHttpClient } from '../lib/http.js';
import { expectEcho, placeEverythingOnRunner, relayClient } from '../lib/runner.js';
import { UNLIMITED_MCP_RATE, controlPlane, controlPlaneConfig, createCleanups, createControlPlane, listen, startStack } from '../lib/stack.js';
import { measureConcurrency, measureSideBySide, ratios, summarizeEach } from '../lib/stats.js';
import { formatConcurrencyTable, formatRatioTable, formatTable, latencyColumns, truncationNote } from '../lib/table.js';

export const description = 'CallTool echo over the gRPC ToolGateway vs tools/call through /mcp/everything (JSON) vs RunnerRelay directly';
export const timeoutMs = 180_000;

const SETTINGS = { warmup: 200, iterations: 2_000, roundSize: 100, budgetMs: 60_000, concurrency: [16], concurrentCalls: 2_000 };
/** --smoke: a short batch in flight. */
const SMOKE = { concurrentCalls: 32 };

export async function run({ signal, log, iterations = SETTINGS.iterations, smoke = false }) {
  const settings = smoke ? { ...SETTINGS, ...SMOKE } : SETTINGS;
  const warmup = Math.min(settings.warmup, iterations);
  const { defer, runAll } = createCleanups('grpc');
  try {
    const { ApiKeyRole } = await import('@switchyard/db');
    const { credentials, Metadata } = await import('@grpc/grpc-js');

    const stack = await startStack({ suite: 'grpc', defer, log, signal });

    log('starting the control plane in-process, with its gRPC server');
    const { PRISMA } = await import(controlPlane('database/database.module.js'));
    const { ApiKeysService } = await import(controlPlane('api-keys/api-keys.service.js'));
    const { CLI_ACTOR } = await import(controlPlane('admin-events/actor.js'));
    const { RunnerRelay } = await import(controlPlane('relay/runner-relay.js'));
    const { ToolGatewayServer } = await import(controlPlane('grpc/tool-gateway.server.js'));
    const { toolGatewayClientConstructor } = await import(controlPlane('grpc/tool-gateway-definition.js'));
    // The bench measures the path, not the limiter's refusals.
    const config = await controlPlaneConfig(stack, { SWITCHYARD_GRPC_PORT: '0', ...UNLIMITED_MCP_RATE });
    const app = await createControlPlane(config, { defer });
    const baseUrl = await listen(app);
    const prisma = app.get(PRISMA);

    log('registering server-everything twice (gRPC and MCP), and once more for the relay case');
    // The shared one is stateless in the database only (what the ToolGateway's pool reads).
    const { deployments, runnerRow } = await placeEverythingOnRunner({
      app,
      nats: stack.nats,
      versions: [{ serverName: 'everything-grpc' }, { serverName: 'everything' }, { serverName: 'everything-relay' }, { serverName: 'everything-grpc-shared', stateless: true }],
      log,
      signal,
      defer,
    });

    const { key: apiKey } = await app.get(ApiKeysService).create(CLI_ACTOR, { name: 'bench-agent', role: ApiKeyRole.AGENT });

    log('connecting the clients');
    const ToolGateway = toolGatewayClientConstructor();
    const grpcClient = new ToolGateway(`127.0.0.1:${app.get(ToolGatewayServer).port}`, credentials.createInsecure());
    defer('gRPC client', () => grpcClient.close());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${apiKey}`);

    const http = createHttpClient(baseUrl);
    defer('MCP JSON client', () => http.close());
    const sessionHeaders = await openJsonSession({ baseUrl, http, apiKey, defer, name: 'MCP JSON session' });

    const relay = await relayClient(app.get(RunnerRelay), runnerRow.id, deployments[2]);
    defer('relay session', () => relay.close());

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
        expectEcho('grpc', events.length === 1 && events[0].result ? JSON.parse(events[0].result.contentJson)[0]?.text : JSON.stringify(events));
      },
      grpcShared: async () => {
        gatewayCalls += 1;
        const events = await grpcEcho('everything-grpc-shared');
        expectEcho('grpc/shared', events.length === 1 && events[0].result ? JSON.parse(events[0].result.contentJson)[0]?.text : JSON.stringify(events));
      },
      mcpJson: async () => {
        gatewayCalls += 1;
        expectEcho('mcp/json', echoText(await http.request('POST', '/mcp/everything', { headers: sessionHeaders, body: echoCall(jsonId++) })));
      },
      relay: async () => expectEcho('relay', await relay.echo('hop')),
    };
    log(`measuring: ${warmup} warm-up + ${iterations} calls per case, interleaved, sequential`);
    const measured = await measureSideBySide(cases, { iterations, warmup, roundSize: settings.roundSize, budgetMs: settings.budgetMs, signal });

    // The shared session multiplexes: calls in flight at once (a per-call session on a stdio server
    // cannot, the runner refuses a second session).
    const concurrency = await measureConcurrency({ grpcShared: cases.grpcShared, relay: cases.relay }, { inFlight: settings.concurrency, total: settings.concurrentCalls, signal, log });

    // The gRPC call ends after its row is completed; the MCP gateway does not wait: checkAuditRows polls.
    const audit = await checkAuditRows(prisma, gatewayCalls);

    const stats = summarizeEach(measured.samples);
    return {
      settings: { ...settings, iterations, warmup },
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
      audit,
      measured: { truncated: measured.truncated, wallMs: measured.wallMs, perCase: measured.samples.relay.length },
    };
  } finally {
    await runAll();
  }
}

export function report(result) {
  const latency = formatTable([...latencyColumns(), { title: 'calls/s', key: 'rps' }], Object.values(result.cases));
  const ratioTable = formatRatioTable(Object.entries(result.ratios).map(([ratio, r]) => ({ ratio, ...r })));
  const concurrencyTable = formatConcurrencyTable(result.concurrency, result.cases);
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
    `conditions: ${result.conditions}` + truncationNote(result.measured),
  ].join('\n');
}
