// Two control-plane replicas (one database, Redis and NATS) serve one MCP session: every request
// of the session alternates between them, whichever holds the relay session to the runner.
import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig } from '../src/config/config.js';
import { NatsLink } from '../src/connections/nats-link.js';
import { createApp } from '../src/create-app.js';
import { GatewayService } from '../src/gateway/gateway.service.js';
import { createLogger } from '../src/logging/logger.js';
import { placeEverything, SseReader, type PlacedEverything } from './gateway-fixtures.js';
import { ApiKeyRole, startControlPlane, testConfigEnv, type TestControlPlane } from './harness.js';

jest.setTimeout(60_000);

const CAPABILITIES = { sampling: {}, elicitation: {} };
type ToolResult = { content?: Array<{ type: string; text?: string }> };
const textOf = (result: unknown): string => ((result as ToolResult).content ?? []).map((part) => part.text ?? '').join('');

describe('MCP gateway across two replicas', () => {
  let a: TestControlPlane;
  let b: { app: NestFastifyApplication; url: string };
  let placed: PlacedEverything;
  let key: string;
  const clients: Array<{ client: Client; transport: StreamableHTTPClientTransport }> = [];

  /** A fetch that sends each request to the other replica than the last one, and records which. */
  const alternating = (served: string[]): typeof fetch => {
    let turn = 0;
    return (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const target = new URL([a.url, b.url][turn++ % 2] as string);
      url.host = target.host;
      served.push(`${init?.method ?? 'GET'} ${target.host === new URL(a.url).host ? 'A' : 'B'}`);
      return fetch(url, init);
    };
  };

  const headersFor = (sessionId?: string) => ({
    authorization: `Bearer ${key}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION } : {}),
  });
  const postTo = (base: string, body: unknown, sessionId?: string) => fetch(`${base}/mcp/everything`, { method: 'POST', headers: headersFor(sessionId), body: JSON.stringify(body) });
  const initializeOn = async (base: string): Promise<string> => {
    const response = await postTo(base, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: CAPABILITIES, clientInfo: { name: 'raw', version: '0' } } });
    expect(response.status).toBe(200);
    const sessionId = response.headers.get('mcp-session-id') as string;
    expect((await postTo(base, { jsonrpc: '2.0', method: 'notifications/initialized' }, sessionId)).status).toBe(202);
    return sessionId;
  };
  const deleteOn = (base: string, sessionId: string) => fetch(`${base}/mcp/everything`, { method: 'DELETE', headers: headersFor(sessionId) });

  beforeAll(async () => {
    a = await startControlPlane();
    // The second replica: same database, same keys (audit HMAC, secrets), its own process state.
    const config = loadConfig(
      testConfigEnv(a.database.url, { SWITCHYARD_AUDIT_HMAC_KEY: a.config.auditHmacKey.toString('base64'), SWITCHYARD_SECRETS_KEY: a.config.secretsKey.toString('base64') }),
    );
    const app = await createApp(config, createLogger(config.logLevel));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    if (!address || typeof address === 'string') throw new Error('replica B did not bind a TCP port');
    b = { app, url: `http://127.0.0.1:${address.port}` };
    await app.get(NatsLink).connected(30_000); // see placeEverything
    placed = await placeEverything(a);
    key = await a.keyFor(ApiKeyRole.AGENT, 'replicas-agent');
  });

  afterEach(async () => {
    for (const { client, transport } of clients.splice(0)) {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    }
  });

  afterAll(async () => {
    await placed?.runner.stop();
    await b?.app.close();
    await a?.close();
  });

  it('serves every request of one SDK session alternately from both replicas: tools, progress, sampling', async () => {
    const served: string[] = [];
    const sut = new Client({ name: 'replicas-e2e', version: '0.0.0' }, { capabilities: CAPABILITIES });
    const transport = new StreamableHTTPClientTransport(new URL(`${a.url}/mcp/everything`), { fetch: alternating(served), requestInit: { headers: { Authorization: `Bearer ${key}` } } });
    clients.push({ client: sut, transport });
    sut.setRequestHandler(CreateMessageRequestSchema, () => ({ role: 'assistant', content: { type: 'text', text: 'sampled across replicas' }, model: 'm', stopReason: 'endTurn' }));
    const progress: number[] = [];

    await sut.connect(transport);
    const tools = await sut.listTools();
    const echo = await sut.callTool({ name: 'echo', arguments: { message: 'across replicas' } });
    const sampled = await sut.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } });
    const long = await sut.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.5, steps: 3 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    const echoAgain = await sut.callTool({ name: 'echo', arguments: { message: 'and back' } });

    expect(tools.tools.map((tool) => tool.name)).toContain('echo');
    expect(textOf(echo)).toBe('Echo: across replicas');
    expect(textOf(sampled)).toContain('sampled across replicas');
    expect(progress).toEqual([1, 2, 3]);
    expect(textOf(long)).toContain('Long running operation completed');
    expect(textOf(echoAgain)).toBe('Echo: and back');
    // Both replicas took POSTs of this one session; exactly one holds its relay session.
    expect(served.filter((entry) => entry.startsWith('POST'))).toEqual(expect.arrayContaining(['POST A', 'POST B']));
    expect([a.app.get(GatewayService).openSessions, b.app.get(GatewayService).openSessions].sort()).toEqual([0, 1]);
    const rows = await a.prisma.toolInvocation.findMany({ where: { tool: 'echo' }, orderBy: { startedAt: 'asc' } });
    expect(rows.map((row) => row.outcome)).toEqual(['OK', 'OK']);
  });

  it('resumes on replica B a stream that replica A started and the client dropped', async () => {
    const sessionId = await initializeOn(a.url);
    try {
      const call = { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 }, _meta: { progressToken: 't-5' } } };
      const first = new SseReader(await postTo(a.url, call, sessionId));
      const seen = [await first.next(), await first.next()];
      await first.cancel();

      const resumed = await fetch(`${b.url}/mcp/everything`, { headers: { ...headersFor(sessionId), accept: 'text/event-stream', 'last-event-id': seen[1]?.id as string } });
      const rest = (await new SseReader(resumed).rest()).map((event) => JSON.parse(event.data) as { id?: number; params?: { progress?: number }; result?: unknown });

      expect(resumed.status).toBe(200);
      expect(JSON.parse(seen[1]?.data ?? '{}')).toMatchObject({ params: { progress: 1 } });
      expect(rest.slice(0, -1).map((message) => message.params?.progress)).toEqual([2, 3]);
      expect(rest.at(-1)).toMatchObject({ id: 5, result: { content: [{ type: 'text' }] } });
    } finally {
      await deleteOn(b.url, sessionId);
    }
  });

  it('answers a JSON-only client through the replica that does not hold the session', async () => {
    const sessionId = await initializeOn(b.url);
    try {
      const response = await fetch(`${a.url}/mcp/everything`, {
        method: 'POST',
        headers: { ...headersFor(sessionId), accept: 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'get-sum', arguments: { a: 20, b: 22 } } }),
      });

      expect(response.status).toBe(200);
      expect(textOf(((await response.json()) as { id: number; result: unknown }).result)).toContain('42');
    } finally {
      await deleteOn(a.url, sessionId);
    }
    expect((await postTo(b.url, { jsonrpc: '2.0', id: 9, method: 'ping' }, sessionId)).status).toBe(404);
  });

  it("carries the client's traceparent header to the replica holding the session: the call's span, and its audit row, are in the client's trace", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const sessionId = await initializeOn(b.url);
    try {
      const response = await fetch(`${a.url}/mcp/everything`, {
        method: 'POST',
        headers: { ...headersFor(sessionId), accept: 'application/json', traceparent: `00-${traceId}-b7ad6b7169203331-01` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'echo', arguments: { message: 'traced across replicas' } } }),
      });

      expect(response.status).toBe(200);
      const row = await a.prisma.toolInvocation.findFirst({ where: { sessionId, tool: 'echo' } });
      expect(row).toMatchObject({ outcome: 'OK', traceId });
    } finally {
      await deleteOn(a.url, sessionId);
    }
  });

  it('ends a session whose replica shuts down mid-call: the call is audited INTERRUPTED, the next request on the other replica gets 404', async () => {
    const sessionId = await initializeOn(b.url);
    const call = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 5, steps: 5 }, _meta: { progressToken: 'cut' } } };
    const stream = new SseReader(await postTo(b.url, call, sessionId));
    await stream.next(); // priming
    await stream.next(); // the first progress: the call is running upstream

    await b.app.close();
    const after = await postTo(a.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, sessionId);

    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ error: { code: -32001 } });
    const row = await a.prisma.toolInvocation.findFirst({ where: { sessionId, tool: 'trigger-long-running-operation' } });
    expect(row).toMatchObject({ outcome: 'INTERRUPTED', errorCode: 'CONTROL_PLANE_SHUTDOWN', finishedAt: expect.any(Date) });
    await stream.cancel();
  });
});
