// The MCP gateway end to end: the SDK's Client over Streamable HTTP → /mcp/everything on a real
// control plane → RunnerRelay → nats-server → a runner process → @modelcontextprotocol/server-everything
// (stdio). Postgres (audit rows), Redis (session records, stream logs) and NATS are the run's own.
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, type StreamableHTTPClientTransportOptions } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, LATEST_PROTOCOL_VERSION, McpError, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { CLI_ACTOR } from '../src/admin-events/actor.js';
import { ApiKeysService } from '../src/api-keys/api-keys.service.js';
import { argumentsHmac } from '../src/gateway/arguments-hmac.js';
import { GatewayService } from '../src/gateway/gateway.service.js';
import { ToolInvocationsRepository } from '../src/gateway/tool-invocations.repository.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { ApiKeyRole, startControlPlane, type TestControlPlane } from './harness.js';
import { placeEverything, SseReader, type PlacedEverything } from './gateway-fixtures.js';

/** Polls `find` (sync or async) until it returns something; no sleeps on a fixed schedule of waiting for time to pass. */
async function until<T>(find: () => T | undefined | Promise<T | undefined>, description: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

jest.setTimeout(60_000);

const ALLOWED_ORIGIN = 'http://localhost:6274';
/** Every session declares the same capabilities: one server-everything process serves them in turn, and registers its capability-dependent tools once. */
const CAPABILITIES = { sampling: {}, elicitation: {} };

type ToolResult = { content?: Array<{ type: string; text?: string }>; isError?: boolean };
const textOf = (result: unknown): string => ((result as ToolResult).content ?? []).map((part) => part.text ?? '').join('');

describe('MCP gateway: /mcp/<server> over Streamable HTTP', () => {
  let cp: TestControlPlane;
  let placed: PlacedEverything;
  let agentKey: string;
  let endpoint: URL;
  const open: Array<{ client: Client; transport: StreamableHTTPClientTransport }> = [];

  const agentKeyWith = async (narrowing: { allowedServers?: string[]; allowedTools?: string[] }) =>
    (await cp.app.get(ApiKeysService).create(CLI_ACTOR, { name: 'narrowed-agent', role: ApiKeyRole.AGENT, ...narrowing })).key;

  const connect = async (key = agentKey, options: Partial<StreamableHTTPClientTransportOptions> = {}): Promise<Client> => {
    const client = new Client({ name: 'gateway-e2e', version: '0.0.0' }, { capabilities: CAPABILITIES });
    const transport = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { Authorization: `Bearer ${key}` } }, ...options });
    open.push({ client, transport });
    await client.connect(transport);
    return client;
  };

  const post = (body: string, headers: Record<string, string> = {}, key = agentKey) =>
    fetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body,
    });

  const initializeBody = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: CAPABILITIES, clientInfo: { name: 'raw', version: '0' } } });

  /** A session opened by hand (raw HTTP), for what the SDK client does not let a test do. */
  const rawSession = async (): Promise<{ sessionId: string; headers: Record<string, string>; close(): Promise<void> }> => {
    const response = await post(initializeBody);
    expect(response.status).toBe(200);
    const sessionId = response.headers.get('mcp-session-id') as string;
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION };
    expect((await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers)).status).toBe(202);
    return { sessionId, headers, close: async () => void (await fetch(endpoint, { method: 'DELETE', headers: { ...headers, authorization: `Bearer ${agentKey}` } })) };
  };

  const auditRows = (apiKeyId?: string) => cp.prisma.toolInvocation.findMany({ where: apiKeyId ? { apiKeyId } : {}, orderBy: { startedAt: 'asc' } });
  const keyIdOf = async (key: string) => (await cp.app.get(ApiKeysService).authenticate(key)).keyId;

  beforeAll(async () => {
    cp = await startControlPlane({ SWITCHYARD_MCP_ALLOWED_ORIGINS: ALLOWED_ORIGIN });
    placed = await placeEverything(cp);
    agentKey = await cp.keyFor(ApiKeyRole.AGENT, 'gateway-agent');
    endpoint = new URL(`${cp.url}/mcp/everything`);
  });

  afterEach(async () => {
    // One stdio server serves one session at a time: end each test's sessions (DELETE) before the next.
    for (const { client, transport } of open.splice(0)) {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    }
  });

  afterAll(async () => {
    await placed?.runner.stop();
    await cp?.close();
  });

  it('initializes, lists tools and calls echo through the gateway, and audits the call with an HMAC of its arguments', async () => {
    const sut = await connect();

    const tools = await sut.listTools();
    const echo = await sut.callTool({ name: 'echo', arguments: { message: 'through the gateway' } });

    expect(sut.getServerVersion()?.name).toBe('mcp-servers/everything');
    expect(tools.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'trigger-long-running-operation', 'trigger-sampling-request']));
    expect(textOf(echo)).toBe('Echo: through the gateway');
    const [row] = (await auditRows(await keyIdOf(agentKey))).filter((r) => r.tool === 'echo');
    expect(row).toMatchObject({
      serverName: 'everything',
      versionId: placed.versionId,
      runnerId: placed.runnerId,
      nodepoolId: placed.nodepoolId,
      outcome: 'OK',
      argumentsHmac: argumentsHmac(cp.config.auditHmacKey, { message: 'through the gateway' }),
      errorCode: null,
      // The policy router's assignment: one version, no rollout — the only arm, with certainty.
      arm: placed.versionId,
      propensity: 1,
      rolloutId: null,
    });
    expect(row?.sessionId).toEqual(expect.any(String));
    expect(row?.finishedAt).toBeInstanceOf(Date);
    expect(row?.latencyMs).toEqual(expect.any(Number));
    expect(JSON.stringify(row)).not.toContain('through the gateway');
  });

  it('streams the progress notifications of a long-running tool before its result', async () => {
    const sut = await connect();
    const progress: number[] = [];

    const result = await sut.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } }, undefined, { onprogress: (p) => progress.push(p.progress) });

    expect(progress).toEqual([1, 2, 3, 4]);
    expect(textOf(result)).toContain('Long running operation completed');
  });

  it('relays a sampling request to the client and its answer back upstream', async () => {
    const sut = await connect();
    const asked: unknown[] = [];
    sut.setRequestHandler(CreateMessageRequestSchema, (request) => {
      asked.push(request.params.messages);
      return { role: 'assistant', content: { type: 'text', text: 'sampled by the gateway test' }, model: 'test-model', stopReason: 'endTurn' };
    });

    const result = await sut.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'say hi', maxTokens: 10 } });

    expect(asked).toHaveLength(1);
    expect(textOf(result)).toContain('sampled by the gateway test');
  });

  it('relays an elicitation request to the client and its answer back upstream', async () => {
    const sut = await connect();
    sut.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { name: 'Ada Lovelace', check: true } }));

    const result = await sut.callTool({ name: 'trigger-elicitation-request', arguments: {} });

    expect(textOf(result)).toContain('- Name: Ada Lovelace');
  });

  it('sends a server → client request on the GET stream while two calls are in flight, and relays the answer', async () => {
    const sut = await connect();
    sut.setRequestHandler(CreateMessageRequestSchema, () => ({ role: 'assistant', content: { type: 'text', text: 'answered from the GET stream' }, model: 'm', stopReason: 'endTurn' }));
    const progress: number[] = [];
    const long = sut.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 2 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    await until(() => (progress.length > 0 ? true : undefined), 'the long call to be running');

    const sampled = await sut.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } });

    expect(textOf(sampled)).toContain('answered from the GET stream');
    expect(textOf(await long)).toContain('Long running operation completed');
    // Two request streams were open: the request had no single stream to go to.
    expect(cp.app.get(GatewayService).openSessions).toBe(1);
  });

  it('reads a resource', async () => {
    const sut = await connect();
    const uri = 'demo://resource/static/document/architecture.md';

    const { contents } = await sut.readResource({ uri });

    expect(contents[0]?.uri).toBe(uri);
    expect(String((contents[0] as { text?: string }).text).length).toBeGreaterThan(0);
  });

  it('relays resource subscriptions and their update notifications', async () => {
    const sut = await connect();
    const uri = 'demo://resource/static/document/architecture.md';
    const updates: string[] = [];
    sut.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => void updates.push(notification.params.uri));

    await sut.subscribeResource({ uri });
    await sut.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    await until(() => (updates.length > 0 ? true : undefined), 'a resource update');
    await sut.callTool({ name: 'toggle-subscriber-updates', arguments: {} }); // off again
    await sut.unsubscribeResource({ uri });

    expect(updates[0]).toBe(uri);
  });

  it('passes structured content through unchanged', async () => {
    const sut = await connect();

    const result = await sut.callTool({ name: 'get-structured-content', arguments: { location: 'Chicago' } });

    expect(result.structuredContent).toEqual({ temperature: expect.any(Number), conditions: expect.any(String), humidity: expect.any(Number) });
  });

  it('keeps a call running when the client drops its stream, and replays the rest on Last-Event-ID', async () => {
    const session = await rawSession();
    try {
      const call = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 5 }, _meta: { progressToken: 'p-7' } } });
      const response = await post(call, session.headers);
      const first = new SseReader(response);
      const events = [await first.next(), await first.next()];
      await first.cancel(); // the client goes away after the first progress notification

      const lastEventId = events[1]?.id as string;
      const resumed = await fetch(endpoint, { headers: { ...session.headers, authorization: `Bearer ${agentKey}`, accept: 'text/event-stream', 'last-event-id': lastEventId } });
      const rest = (await new SseReader(resumed).rest()).map((event) => ({ id: event.id, message: JSON.parse(event.data) as { id?: number; params?: { progress?: number }; result?: unknown } }));

      expect(response.headers.get('content-type')).toBe('text/event-stream');
      expect(events[0]).toMatchObject({ data: '' }); // the priming event: an id before any message
      expect(JSON.parse(events[1]?.data ?? '{}')).toMatchObject({ method: 'notifications/progress', params: { progressToken: 'p-7', progress: 1 } });
      expect(resumed.status).toBe(200);
      expect(rest.slice(0, -1).map((event) => event.message.params?.progress)).toEqual([2, 3, 4, 5]);
      expect(rest.at(-1)?.message).toMatchObject({ id: 7, result: { content: [{ type: 'text' }] } });
      const [stream, seq] = lastEventId.split('.');
      expect(rest.map((event) => event.id)).toEqual([2, 3, 4, 5, 6].map((n) => `${stream}.${Number(seq) + n - 1}`));
      const row = (await auditRows(await keyIdOf(agentKey))).find((r) => r.sessionId === session.sessionId);
      expect(row).toMatchObject({ tool: 'trigger-long-running-operation', outcome: 'OK' });
    } finally {
      await session.close();
    }
  });

  it('replays a stream that finished after its client dropped it, from its log, on Last-Event-ID', async () => {
    const session = await rawSession();
    try {
      const call = JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 1 } } });
      const first = new SseReader(await post(call, session.headers));
      const priming = await first.next();
      await first.cancel(); // gone before the answer
      const keyId = await keyIdOf(agentKey);
      // The call ends meanwhile: its stream has finished, and the session no longer keeps it.
      await until(async () => ((await auditRows(keyId)).find((r) => r.sessionId === session.sessionId && r.outcome === 'OK') ? true : undefined), 'the call to finish');

      const resumed = await fetch(endpoint, { headers: { ...session.headers, authorization: `Bearer ${agentKey}`, accept: 'text/event-stream', 'last-event-id': priming?.id as string } });
      const rest = await new SseReader(resumed).rest();

      expect(priming).toMatchObject({ data: '' });
      expect(resumed.status).toBe(200);
      expect(rest.map((event) => JSON.parse(event.data) as unknown)).toEqual([expect.objectContaining({ id: 8, result: expect.objectContaining({ content: [expect.objectContaining({ type: 'text' })] }) })]);
    } finally {
      await session.close();
    }
  });

  it('answers a quick call alone with one JSON body when the client takes both, and with SSE for a longer call with progress or a client that takes SSE only', async () => {
    const session = await rawSession();
    try {
      const echo = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message: 'adaptive' } } });
      const either = await post(echo(21), session.headers);
      const sseOnly = await post(echo(22), { ...session.headers, accept: 'text/event-stream' });
      const long = JSON.stringify({ jsonrpc: '2.0', id: 23, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 0.2, steps: 2 }, _meta: { progressToken: 'p-23' } } });
      const withProgress = await post(long, session.headers);

      expect(either.headers.get('content-type')).toContain('application/json');
      expect(await either.json()).toMatchObject({ id: 21, result: { content: [{ type: 'text', text: 'Echo: adaptive' }] } });
      expect(sseOnly.headers.get('content-type')).toBe('text/event-stream');
      const messages = async (response: Response) => (await new SseReader(response).rest()).filter((event) => event.data !== '').map((event) => JSON.parse(event.data) as { method?: string; id?: number });
      expect(await messages(sseOnly)).toEqual([expect.objectContaining({ id: 22 })]);
      expect(withProgress.headers.get('content-type')).toBe('text/event-stream');
      const events = await messages(withProgress);
      expect(events.map((event) => event.method ?? `answer ${event.id}`)).toEqual(['notifications/progress', 'notifications/progress', 'answer 23']);
    } finally {
      await session.close();
    }
  });

  it('answers a JSON response to a client that does not accept SSE', async () => {
    const session = await rawSession();
    try {
      const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get-sum', arguments: { a: 2, b: 3 } } }), { ...session.headers, accept: 'application/json' });

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(textOf(((await response.json()) as { result: unknown }).result)).toContain('5');
    } finally {
      await session.close();
    }
  });

  it('ends the session on DELETE: its next request gets 404', async () => {
    const session = await rawSession();

    await session.close();
    const after = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), session.headers);

    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ error: { code: -32001 } });
    expect(cp.app.get(GatewayService).openSessions).toBe(0);
  });

  it('refuses an unknown key with 401 and a key without mcp:call with 403', async () => {
    const unknown = await post(initializeBody, {}, `sy_${'A'.repeat(43)}`);
    const viewer = await post(initializeBody, {}, await cp.keyFor(ApiKeyRole.VIEWER));
    const none = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: initializeBody });

    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer');
    expect(await unknown.json()).toMatchObject({ jsonrpc: '2.0', error: { data: { code: 'UNAUTHENTICATED' } } });
    expect(viewer.status).toBe(403);
    expect(await viewer.json()).toMatchObject({ error: { message: 'This API key lacks the mcp:call scope', data: { code: 'FORBIDDEN' } } });
    expect(none.status).toBe(401);
    await expect(connect(`sy_${'B'.repeat(43)}`)).rejects.toThrow();
  });

  it('refuses a key narrowed to another server, and audits its tool call as DENIED', async () => {
    const narrowed = await agentKeyWith({ allowedServers: ['filesystem'] });

    const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: { message: 'not for you' } } }), {}, narrowed);

    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ id: 9, error: { data: { code: 'FORBIDDEN' } } });
    const rows = await auditRows(await keyIdOf(narrowed));
    expect(rows).toEqual([expect.objectContaining({ tool: 'echo', serverName: 'everything', outcome: 'DENIED', errorCode: 'FORBIDDEN', argumentsHmac: argumentsHmac(cp.config.auditHmacKey, { message: 'not for you' }) })]);
    await expect(connect(narrowed)).rejects.toThrow();
  });

  it('refuses a tool outside a key narrowed to tools with a JSON-RPC error, without dispatching it', async () => {
    const narrowed = await agentKeyWith({ allowedTools: ['everything__get-sum'] });
    const sut = await connect(narrowed);

    const denied = await sut.callTool({ name: 'echo', arguments: { message: 'nope' } }).then(() => undefined, (error: unknown) => error);
    const allowed = await sut.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });

    expect(denied).toBeInstanceOf(McpError);
    expect((denied as McpError).message).toContain('may not call tool echo');
    expect(textOf(allowed)).toContain('3');
    const rows = await auditRows(await keyIdOf(narrowed));
    expect(rows.map((r) => [r.tool, r.outcome])).toEqual([
      ['echo', 'DENIED'],
      ['get-sum', 'OK'],
    ]);
  });

  it('applies a key narrowed while its session is open at the next call, told by the key-change broadcast rather than after the key cache', async () => {
    const heard = async () =>
      (await cp.app.get(MetricsService).registry.getSingleMetric('switchyard_mcp_key_change_messages_total')?.get())?.values.find((value) => value.labels.direction === 'received')?.value ?? 0;
    const key = await agentKeyWith({});
    const keyId = await keyIdOf(key);
    const sut = await connect(key);
    const before = await sut.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }); // the key's check is cached now (5 s)
    const heardBefore = await heard();

    await cp.app.get(ApiKeysService).update(CLI_ACTOR, keyId, { allowedTools: ['everything__echo'] });
    await until(async () => ((await heard()) > heardBefore ? true : undefined), 'the key change to be heard');
    const after = await sut.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }).then(() => undefined, (error: unknown) => error);

    expect(textOf(before)).toContain('3');
    expect(after).toBeInstanceOf(McpError);
    expect((after as McpError).message).toContain('may not call tool get-sum');
  });

  it('writes one audit row per call id, however often it is started or completed', async () => {
    const sut = cp.app.get(ToolInvocationsRepository);
    const call = { callId: randomUUID(), apiKeyId: await keyIdOf(agentKey), sessionId: null, serverName: 'everything', versionId: null, runnerId: null, nodepoolId: null, tool: 'echo', argumentsHmac: 'h', startedAt: new Date() };

    await sut.started(call);
    await sut.started({ ...call, tool: 'retried' });
    const finishedAt = new Date('2026-05-06T07:08:09.123Z');
    await sut.finished(call.callId, 'OK', null, finishedAt, 5);
    await sut.finished(call.callId, 'INTERRUPTED', 'LATE', new Date(), 9);
    // Several completions of several calls in one batch: each row once, the first completion wins.
    const others = [randomUUID(), randomUUID()];
    await Promise.all(others.map((callId) => sut.started({ ...call, callId })));
    await Promise.all([sut.finished(others[0] as string, 'TOOL_ERROR', null, finishedAt, 1), sut.finished(others[1] as string, 'RPC_ERROR', '-32602', finishedAt, 2), sut.finished(others[0] as string, 'OK', null, finishedAt, 3)]);

    expect(await cp.prisma.toolInvocation.findMany({ where: { callId: call.callId } })).toEqual([expect.objectContaining({ tool: 'echo', outcome: 'OK', errorCode: null, latencyMs: 5, finishedAt })]);
    const batch = await cp.prisma.toolInvocation.findMany({ where: { callId: { in: others } } });
    expect(batch.map((row) => [row.callId, row.outcome, row.errorCode, row.latencyMs]).sort()).toEqual(
      [
        [others[0], 'TOOL_ERROR', null, 1],
        [others[1], 'RPC_ERROR', '-32602', 2],
      ].sort(),
    );
  });

  it('answers bad JSON with a JSON-RPC parse error (-32700, HTTP 400)', async () => {
    const response = await post('{"jsonrpc": "2.0", "id": 1, "method": ');

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: the body is not JSON' } });
  });

  it('answers an unknown server with 404, a missing session with 400 and an unknown one with 404', async () => {
    const unknownServer = await fetch(`${cp.url}/mcp/no-such-server`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: initializeBody,
    });
    const missing = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    const unknown = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), { 'mcp-session-id': '018f0000-0000-7000-8000-000000000000' });

    expect(unknownServer.status).toBe(404);
    expect(await unknownServer.json()).toMatchObject({ id: 0, error: { message: 'MCP server no-such-server not found', data: { code: 'NOT_FOUND' } } });
    expect(missing.status).toBe(400);
    expect(unknown.status).toBe(404);
  });

  it('checks Origin against the allow-list and MCP-Protocol-Version against the supported versions', async () => {
    const evil = await post(initializeBody, { origin: 'http://evil.example' });
    const session = await rawSession();
    try {
      const allowed = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { ...session.headers, origin: ALLOWED_ORIGIN, accept: 'application/json' });
      const oldVersion = await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }), { ...session.headers, 'mcp-protocol-version': '2024-11-05', accept: 'application/json' });
      const badVersion = await post(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }), { ...session.headers, 'mcp-protocol-version': '1999-01-01' });

      expect(evil.status).toBe(403);
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
      expect(oldVersion.status).toBe(200);
      expect(badVersion.status).toBe(400);
    } finally {
      await session.close();
    }
  });

  it('refuses a body over the limit with HTTP 413 and a JSON-RPC error', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(cp.config.bodyLimitBytes) } });

    const response = await post(big);

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
  });

  // Last: server-everything finishes the cancelled operation anyway, and the next session on the
  // same stdio process would see its late messages.
  it('audits a call the client cancels as CANCELLED', async () => {
    // The cancelled call's stream ends without an answer, which the SDK client takes as a dropped
    // stream to resume later: no retries, or its timer outlives the test.
    const sut = await connect(agentKey, { reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 } });
    const stop = new AbortController();
    const progress: number[] = [];
    const call = sut.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 2, steps: 4 } }, undefined, { signal: stop.signal, onprogress: (p) => progress.push(p.progress) });
    await until(() => (progress.length > 0 ? true : undefined), 'the call to be running');

    stop.abort('the user pressed stop');

    await expect(call).rejects.toThrow();
    const row = await until(async () => (await auditRows(await keyIdOf(agentKey))).find((r) => r.tool === 'trigger-long-running-operation' && r.outcome !== 'PENDING' && r.errorCode === 'CLIENT_CANCELLED'), 'the audit row to be completed');
    expect(row).toMatchObject({ outcome: 'CANCELLED', finishedAt: expect.any(Date) });
  });
});
