// The gateway's per-request policies end to end (docs/gateway.md): per-key rate limits (Redis
// token buckets), telemetry (trace context into the upstream's _meta, the trace id on the audit row,
// call metrics) and tool arguments checked against the tool's input schema. A real control plane →
// RunnerRelay → nats-server → a runner process → the relay fixture server (stdio), whose `meta`
// tool answers with the `_meta` it received.
import { jest } from '@jest/globals';
import { waitFor } from '@switchyard/devstack/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ApiKeysService } from '../src/api-keys/api-keys.service.js';
import { toolsHashOf, toolsOfListResult } from '../src/gateway/tool-definitions.js';
import { parseTraceparent } from '../src/telemetry/traceparent.js';
import { placeStdioServer, type PlacedEverything } from './gateway-fixtures.js';
import { ApiKeyRole, startControlPlane, type TestControlPlane } from './harness.js';
import { RELAY_FIXTURE_SERVER } from './relay-runner-process.js';

jest.setTimeout(60_000);

/** Every key gets this many requests at once, then one per 100 s: a test's key runs dry only when it means to. */
const BURST = 6;
const clientTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const clientTraceparent = `00-${clientTraceId}-00f067aa0ba902b7-01`;

type ToolResult = { content?: Array<{ type: string; text?: string }> };
const textOf = (result: unknown): string => ((result as ToolResult).content ?? []).map((part) => part.text ?? '').join('');

describe('MCP gateway policies: rate limits, telemetry, tool arguments', () => {
  let cp: TestControlPlane;
  let placed: PlacedEverything;
  let endpoint: URL;
  const open: Array<{ client: Client; transport: StreamableHTTPClientTransport }> = [];

  const newKey = async (name: string) => cp.keyFor(ApiKeyRole.AGENT, name);
  const keyIdOf = async (key: string) => (await cp.app.get(ApiKeysService).authenticate(key)).keyId;

  const connect = async (key: string, headers: Record<string, string> = {}): Promise<Client> => {
    const client = new Client({ name: 'gateway-policies-e2e', version: '0.0.0' });
    const transport = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { Authorization: `Bearer ${key}`, ...headers } } });
    open.push({ client, transport });
    await client.connect(transport);
    return client;
  };

  /** Ends the sessions opened so far: one stdio server process serves one session at a time. */
  const closeAll = async () => {
    for (const { client, transport } of open.splice(0)) {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    }
  };

  const post = (key: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(endpoint, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body) });

  /** A session by hand (raw HTTP, JSON answers): initialize and initialized. */
  const rawSession = async (key: string) => {
    const response = await post(key, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
    expect(response.status).toBe(200);
    const headers = { 'mcp-session-id': response.headers.get('mcp-session-id') as string, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION };
    expect((await post(key, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers)).status).toBe(202);
    return {
      call: (id: number, name: string, args: Record<string, unknown>) => post(key, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }, headers),
      notify: () => post(key, { jsonrpc: '2.0', method: 'notifications/roots/list_changed' }, headers),
      close: async () => void (await fetch(endpoint, { method: 'DELETE', headers: { ...headers, authorization: `Bearer ${key}` } })),
    };
  };

  beforeAll(async () => {
    cp = await startControlPlane({ SWITCHYARD_MCP_RATE_LIMIT_PER_SECOND: '0.01', SWITCHYARD_MCP_RATE_LIMIT_BURST: String(BURST) });
    placed = await placeStdioServer(cp, 'fixture', RELAY_FIXTURE_SERVER);
    endpoint = new URL(`${cp.url}/mcp/fixture`);
  });

  afterEach(closeAll);

  afterAll(async () => {
    await placed?.runner.stop();
    await cp?.close();
  });

  it('refuses the request after the burst with HTTP 429, Retry-After and a JSON-RPC error carrying the hint; audits it; other keys are unaffected', async () => {
    const limitedKey = await newKey('limited');
    const session = await rawSession(limitedKey);
    for (let id = 1; id < BURST; id += 1) expect((await session.call(id, 'echo', { message: `call ${id}` })).status).toBe(200);

    const refused = await session.call(BURST, 'echo', { message: 'one too many' });
    const notification = await session.notify();

    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({
      jsonrpc: '2.0',
      id: BURST,
      error: { code: -32000, message: expect.stringContaining('rate limit'), data: { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter, retryAfterMs: expect.any(Number) } },
    });
    // Notifications are parts of exchanges already counted: never refused.
    expect(notification.status).toBe(202);
    const rows = await cp.prisma.toolInvocation.findMany({ where: { apiKeyId: await keyIdOf(limitedKey) }, orderBy: { startedAt: 'asc' } });
    expect(rows.map((row) => row.outcome)).toEqual([...Array(BURST - 1).fill('OK'), 'DENIED']);
    expect(rows.at(-1)).toMatchObject({ errorCode: 'RATE_LIMITED', tool: 'echo', versionId: placed.versionId });
    await session.close();

    const otherKey = await newKey('unaffected');
    const other = await rawSession(otherKey);
    const answer = await other.call(1, 'echo', { message: 'still fine' });
    await other.close();

    expect(answer.status).toBe(200);
    expect(textOf(((await answer.json()) as { result: unknown }).result)).toBe('Echo: still fine');
  });

  it('makes the SDK client reject a rate-limited call with a StreamableHTTPError of code 429, the hint in its message', async () => {
    const sut = await connect(await newKey('sdk-limited'));
    for (let call = 1; call < BURST; call += 1) await sut.callTool({ name: 'echo', arguments: { message: 'x' } });

    const refused = sut.callTool({ name: 'echo', arguments: { message: 'one too many' } });

    await expect(refused).rejects.toMatchObject({ code: 429, message: expect.stringContaining('"retryAfterSeconds"') });
  });

  it("passes the client's trace on: the server's tool gets a child traceparent in _meta, the audit row keeps the trace id, /metrics counts the call", async () => {
    const key = await newKey('traced');
    const sut = await connect(key, { traceparent: clientTraceparent });

    const result = await sut.callTool({ name: 'meta', arguments: {} });

    const seen = JSON.parse(textOf(result)) as { traceparent?: string };
    const upstream = parseTraceparent(seen.traceparent ?? '');
    expect(upstream).toMatchObject({ traceId: clientTraceId, sampled: true });
    expect(upstream?.spanId).not.toBe('00f067aa0ba902b7');
    const [row] = await cp.prisma.toolInvocation.findMany({ where: { apiKeyId: await keyIdOf(key) } });
    expect(row).toMatchObject({ tool: 'meta', outcome: 'OK', traceId: clientTraceId });
    const metrics = await (await fetch(`${cp.url}/metrics`)).text();
    const counted = metrics.split('\n').find((line) => line.startsWith('switchyard_mcp_calls_total{') && line.includes('server="fixture"') && line.includes('outcome="OK"'));
    expect(counted).toContain(`nodepool="${placed.nodepoolId}"`);
    expect(Number(counted?.split(' ').at(-1))).toBeGreaterThanOrEqual(1);
  });

  it("prefers the request's params._meta.traceparent to the header, and starts a new trace without either", async () => {
    const otherTraceId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const sut = await connect(await newKey('traced-meta'), { traceparent: clientTraceparent });

    const viaMeta = await sut.callTool({ name: 'meta', arguments: {}, _meta: { traceparent: `00-${otherTraceId}-bbbbbbbbbbbbbbbb-01` } });
    await closeAll();
    const untraced = await connect(await newKey('untraced'));
    const fresh = await untraced.callTool({ name: 'meta', arguments: {} });

    expect(parseTraceparent((JSON.parse(textOf(viaMeta)) as { traceparent: string }).traceparent)?.traceId).toBe(otherTraceId);
    const freshTrace = parseTraceparent((JSON.parse(textOf(fresh)) as { traceparent: string }).traceparent);
    expect(freshTrace?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(freshTrace?.traceId).not.toBe(clientTraceId);
  });

  it('refuses arguments that do not fit the input schema with -32602 and their paths, without dispatching; audits them as DENIED / INVALID_ARGUMENTS', async () => {
    const key = await newKey('validated');
    const sut = await connect(key);

    const refused = await sut.callTool({ name: 'echo', arguments: { message: 42 } }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(McpError);
    expect(refused).toMatchObject({ code: -32602, data: { code: 'INVALID_ARGUMENTS', errors: [{ path: '/message', message: 'must be string' }] } });
    const rows = await cp.prisma.toolInvocation.findMany({ where: { apiKeyId: await keyIdOf(key) } });
    expect(rows).toEqual([expect.objectContaining({ tool: 'echo', outcome: 'DENIED', errorCode: 'INVALID_ARGUMENTS', latencyMs: 0 })]);
    // The version's tool contracts were read (by the gateway's own tools/list) and hashed.
    const version = await cp.prisma.mcpServerVersion.findUniqueOrThrow({ where: { id: placed.versionId } });
    expect(version.toolsHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('forwards a tool the version does not list: the upstream answers it, and the row says how', async () => {
    const key = await newKey('unknown-tool');
    const sut = await connect(key);

    const answer = await sut.callTool({ name: 'no-such-tool', arguments: {} }).catch((error: unknown) => error);

    const [row] = await cp.prisma.toolInvocation.findMany({ where: { apiKeyId: await keyIdOf(key) } });
    expect(row?.outcome).not.toBe('DENIED');
    expect(['RPC_ERROR', 'TOOL_ERROR']).toContain(row?.outcome);
    expect(answer instanceof McpError ? answer.message : textOf(answer)).toContain('no-such-tool');
  });

  it("stores the version's toolsHash: the hash of the tool contracts a client lists", async () => {
    const sut = await connect(await newKey('lister'));

    const listed = await sut.listTools();

    expect(listed.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'meta']));
    const expected = toolsHashOf(toolsOfListResult(listed) ?? []);
    await waitFor(async () => (await cp.prisma.mcpServerVersion.findUniqueOrThrow({ where: { id: placed.versionId } })).toolsHash === expected, 'the toolsHash of the listed tools');
  });
});
