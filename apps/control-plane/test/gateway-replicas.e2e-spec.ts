// Two control-plane replicas (one database, Redis and NATS) serve one MCP session: every request
// of the session alternates between them, whichever holds the relay session to the runner.
// Replica A runs in the jest worker (the test reads its services and database); replica B is a
// separate OS process (the built apps/control-plane/dist/main.js), so nothing the two share can be
// module-level state of one process: only Postgres, Redis and NATS connect them, as in production.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { getFreePort, spawnChild, type ManagedChild } from '@switchyard/devstack';
import { waitFor } from '@switchyard/devstack/testing';
import { GatewayService } from '../src/gateway/gateway.service.js';
import { SessionStore } from '../src/gateway/session-store.js';
import { placeEverything, SseReader, type PlacedEverything } from './gateway-fixtures.js';
import { ApiKeyRole, startControlPlane, testConfigEnv, type TestControlPlane } from './harness.js';

jest.setTimeout(60_000);

const CONTROL_PLANE_MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');

const CAPABILITIES = { sampling: {}, elicitation: {} };
type ToolResult = { content?: Array<{ type: string; text?: string }> };
const textOf = (result: unknown): string => ((result as ToolResult).content ?? []).map((part) => part.text ?? '').join('');

describe('MCP gateway across two replicas', () => {
  let a: TestControlPlane;
  let b: { process: ManagedChild; url: string };
  let placed: PlacedEverything;
  let key: string;
  /** Replica B's id, as the session records it holds name it. */
  let replicaB: string | undefined;
  const clients: Array<{ client: Client; transport: StreamableHTTPClientTransport }> = [];

  /** A fetch that sends each request to the other replica than the last one, `first` first, and records which. */
  const alternating = (served: string[], first: 'A' | 'B'): typeof fetch => {
    let turn = first === 'A' ? 0 : 1;
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
  /**
   * The audit row of a session's call once its holder completed it: the holder writes the outcome
   * beside relaying the answer, not before it, and replica B's write comes from another process.
   */
  const completedRow = async (sessionId: string, tool: string) => {
    const find = () => a.prisma.toolInvocation.findFirst({ where: { sessionId, tool } });
    await waitFor(async () => (await find())?.finishedAt != null, `the audit row of ${tool} to be completed`, { timeoutMs: 10_000, intervalMs: 20 });
    return find();
  };
  /** The replica id the session record in Redis names as the holder of the session. */
  const holderOf = async (sessionId: string): Promise<string | undefined> => (await a.app.get(SessionStore).find(sessionId))?.replicaId;
  /** The replica id of the control plane at `base`: it holds the sessions it initializes. */
  const replicaIdOf = async (base: string): Promise<string | undefined> => {
    const sessionId = await initializeOn(base);
    try {
      return await holderOf(sessionId);
    } finally {
      await deleteOn(base, sessionId);
    }
  };

  beforeAll(async () => {
    readFileSync(CONTROL_PLANE_MAIN); // a clear ENOENT: build first
    a = await startControlPlane();
    // The second replica, a process of its own: same database, same keys (audit HMAC, secrets).
    const port = await getFreePort();
    const env = testConfigEnv(a.database.url, {
      SWITCHYARD_PORT: String(port),
      SWITCHYARD_LOG_LEVEL: 'warn',
      SWITCHYARD_AUDIT_HMAC_KEY: a.config.auditHmacKey.toString('base64'),
      SWITCHYARD_SECRETS_KEY: a.config.secretsKey.toString('base64'),
    });
    const child = spawnChild({ name: 'control plane replica B', command: process.execPath, args: [CONTROL_PLANE_MAIN], env: { PATH: process.env.PATH ?? '', ...env }, stopTimeoutMs: 5_000 });
    b = { process: child, url: `http://127.0.0.1:${port}` };
    // Ready once Postgres, Redis and NATS answer it (see placeEverything), as a load balancer would wait.
    await waitFor(async () => (await fetch(`${b.url}/readyz`).catch(() => undefined))?.status === 200, `replica B's /readyz (${child.outputTail()})`, {
      timeoutMs: 45_000,
      intervalMs: 100,
    });
    placed = await placeEverything(a);
    key = await a.keyFor(ApiKeyRole.AGENT, 'replicas-agent');
    replicaB = await replicaIdOf(b.url);
  });

  afterEach(async () => {
    for (const { client, transport } of clients.splice(0)) {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    }
  });

  afterAll(async () => {
    await placed?.runner.stop();
    await b?.process.stop();
    await a?.close();
  });

  it('runs the replicas as two processes with their own replica ids: the session records name different holders', async () => {
    // One after the other: the stdio server of the fixture serves one session at a time.
    const holderA = await replicaIdOf(a.url);
    const holderB = await replicaIdOf(b.url);

    expect(b.process.process.pid).not.toBe(process.pid);
    expect(holderA).toBe(a.app.get(GatewayService).replicaId);
    expect(holderB).toEqual(expect.any(String));
    expect(holderB).not.toBe(holderA);
    expect(holderB).toBe(replicaB);
  });

  // The replica that takes the initialize holds the relay session: once the in-process one, once the process.
  it.each([
    ['A', 'in-process'],
    ['B', 'process'],
  ] as const)('serves every request of one SDK session alternately from both replicas, %s (%s) holding it: tools, progress, sampling', async (first, _kind) => {
    const served: string[] = [];
    const sut = new Client({ name: 'replicas-e2e', version: '0.0.0' }, { capabilities: CAPABILITIES });
    const transport = new StreamableHTTPClientTransport(new URL(`${a.url}/mcp/everything`), { fetch: alternating(served, first), requestInit: { headers: { Authorization: `Bearer ${key}` } } });
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
    const sessionId = transport.sessionId as string;
    expect(served[0]).toBe(`POST ${first}`);
    expect(await holderOf(sessionId)).toBe(first === 'A' ? a.app.get(GatewayService).replicaId : replicaB);
    expect(a.app.get(GatewayService).openSessions).toBe(first === 'A' ? 1 : 0);
    await completedRow(sessionId, 'echo');
    const rows = await a.prisma.toolInvocation.findMany({ where: { sessionId, tool: 'echo' }, orderBy: { startedAt: 'asc' } });
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
      const row = await completedRow(sessionId, 'echo');
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

    b.process.process.kill('SIGTERM'); // what a rolling update sends; the process closes the app
    expect(await b.process.exited).toEqual({ code: 0, signal: null });
    const after = await postTo(a.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, sessionId);

    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ error: { code: -32001 } });
    const row = await a.prisma.toolInvocation.findFirst({ where: { sessionId, tool: 'trigger-long-running-operation' } });
    expect(row).toMatchObject({ outcome: 'INTERRUPTED', errorCode: 'CONTROL_PLANE_SHUTDOWN', finishedAt: expect.any(Date) });
    await stream.cancel();
  });
});
