// The gRPC ToolGateway end to end: a grpc-js client → the control plane's gRPC server → RunnerRelay
// → nats-server → a runner process → @modelcontextprotocol/server-everything (stdio). Postgres
// (audit rows) and NATS are the run's own; keys are real API keys.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status as Status, type Client, type ClientReadableStream, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { jest } from '@jest/globals';
import { createPrismaClient } from '@switchyard/db';
import { waitFor } from '@switchyard/devstack/testing';
import { CLI_ACTOR } from '../src/admin-events/actor.js';
import { ApiKeysService } from '../src/api-keys/api-keys.service.js';
import { argumentsHmac } from '../src/gateway/arguments-hmac.js';
import { ERROR_CODE_METADATA } from '../src/grpc/grpc-status.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { toolGatewayClientConstructor } from '../src/grpc/tool-gateway-definition.js';
import { ToolGatewayServer } from '../src/grpc/tool-gateway.server.js';
import type { CallToolEvent, CallToolRequest, GrpcTool } from '../src/grpc/tool-messages.js';
import { RateLimiter } from '../src/rate-limits/rate-limiter.js';
import { placeEverything, type PlacedEverything } from './gateway-fixtures.js';
import { ApiKeyRole, startControlPlane, type TestControlPlane } from './harness.js';
import { writeTestTlsFiles } from './test-tls.js';

jest.setTimeout(60_000);

const RATE_LIMIT = { perSecond: 0.5, burst: 1000 };
const RATE_LIMIT_ENV = { SWITCHYARD_MCP_RATE_LIMIT_PER_SECOND: String(RATE_LIMIT.perSecond), SWITCHYARD_MCP_RATE_LIMIT_BURST: String(RATE_LIMIT.burst) };

type Received = CallToolEvent & { event: string };

interface ToolGatewayClient extends Client {
  ListTools(request: { server: string }, metadata: Metadata, options: { deadline?: Date }, callback: (error: ServiceError | null, response?: { tools: GrpcTool[] }) => void): void;
  CallTool(request: Partial<CallToolRequest>, metadata: Metadata, options?: { deadline?: Date }): ClientReadableStream<Received>;
}

/** Call metadata with the key; null sends none. */
const auth = (key: string | null): Metadata => {
  const metadata = new Metadata();
  if (key !== null) metadata.set('authorization', `Bearer ${key}`);
  return metadata;
};

describe('gRPC ToolGateway', () => {
  let cp: TestControlPlane;
  let placed: PlacedEverything;
  let agentKey: string;
  let client: ToolGatewayClient;
  const stopLater: Array<() => Promise<void>> = [];

  const keyWith = async (input: { role?: ApiKeyRole; allowedServers?: string[]; allowedTools?: string[] }) =>
    (await cp.app.get(ApiKeysService).create(CLI_ACTOR, { name: 'grpc-narrowed', role: ApiKeyRole.AGENT, ...input })).key;
  const keyIdOf = async (key: string) => (await cp.app.get(ApiKeysService).authenticate(key)).keyId;
  const auditRows = async (key: string) => cp.prisma.toolInvocation.findMany({ where: { apiKeyId: await keyIdOf(key) }, orderBy: { startedAt: 'asc' } });

  const listTools = (server: string, key: string | null = agentKey, deadline?: Date) =>
    new Promise<{ tools?: GrpcTool[]; error?: ServiceError }>((resolve) =>
      client.ListTools({ server }, auth(key), deadline ? { deadline } : {}, (error, response) => resolve(error ? { error } : { tools: response?.tools ?? [] })),
    );

  /** Starts a CallTool stream; `done` has every event and the final status (OK or not). */
  const callTool = (request: Partial<CallToolRequest>, key: string | null = agentKey, options: { deadline?: Date } = {}) => {
    const stream = client.CallTool({ server: 'everything', ...request }, auth(key), options);
    const events: Received[] = [];
    stream.on('data', (event: Received) => events.push(event));
    stream.on('error', () => undefined); // the status event below carries it
    const done = new Promise<{ events: Received[]; status: StatusObject }>((resolve) => stream.on('status', (status: StatusObject) => resolve({ events, status })));
    return { stream, events, done };
  };

  const errorCodeOf = (status: { metadata?: Metadata | null }) => status.metadata?.get(ERROR_CODE_METADATA)[0];

  beforeAll(async () => {
    // A slow refill and a deep bucket: no test runs into the limit but the one that drains it.
    cp = await startControlPlane({ SWITCHYARD_GRPC_PORT: '0', SWITCHYARD_GRPC_HOST: '127.0.0.1', ...RATE_LIMIT_ENV });
    placed = await placeEverything(cp);
    agentKey = await cp.keyFor(ApiKeyRole.AGENT, 'grpc-agent');
    const ToolGateway = toolGatewayClientConstructor();
    client = new ToolGateway(`127.0.0.1:${cp.app.get(ToolGatewayServer).port}`, credentials.createInsecure()) as unknown as ToolGatewayClient;
  });

  afterAll(async () => {
    client?.close();
    for (const stop of stopLater) await stop();
    await placed?.runner.stop();
    await cp?.close();
  });

  it('lists the tools of server-everything with their input schemas as JSON', async () => {
    const { tools, error } = await listTools('everything');

    expect(error).toBeUndefined();
    const echo = tools?.find((tool) => tool.name === 'echo');
    expect(tools?.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'trigger-long-running-operation', 'get-structured-content']));
    expect(echo?.description).not.toBe('');
    expect(JSON.parse(echo?.inputSchemaJson ?? '')).toMatchObject({ type: 'object', properties: { message: { type: 'string' } }, required: ['message'] });
  });

  it('calls echo: one result event, then OK; the audit row has the HMAC of the arguments, not the arguments', async () => {
    const { done } = callTool({ tool: 'echo', argumentsJson: JSON.stringify({ message: 'over gRPC' }) });

    const { events, status } = await done;

    expect(status.code).toBe(Status.OK);
    expect(events).toHaveLength(1);
    const result = events[0]?.event === 'result' && 'result' in events[0] ? events[0].result : undefined;
    expect(JSON.parse(result?.contentJson ?? '')).toEqual([{ type: 'text', text: 'Echo: over gRPC' }]);
    expect(result?.isError).toBe(false);
    const row = await waitFor(async () => (await auditRows(agentKey)).find((r) => r.callId === result?.callId && r.outcome !== 'PENDING'), 'the echo audit row to be completed');
    expect(row).toMatchObject({
      tool: 'echo',
      serverName: 'everything',
      outcome: 'OK',
      versionId: placed.versionId,
      runnerId: placed.runnerId,
      nodepoolId: placed.nodepoolId,
      argumentsHmac: argumentsHmac(cp.config.auditHmacKey, { message: 'over gRPC' }),
    });
    expect(row.latencyMs).toEqual(expect.any(Number));
    expect(JSON.stringify(row)).not.toContain('over gRPC');
  });

  it('traces a call under the caller\'s trace and counts it in the call metrics', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { events, status } = await callTool({ tool: 'echo', argumentsJson: '{"message":"traced"}', traceparent: `00-${traceId}-00f067aa0ba902b7-01` }).done;

    expect(status.code).toBe(Status.OK);
    const last = events.at(-1);
    const callId = last !== undefined && 'result' in last ? last.result.callId : '';
    const row = await waitFor(async () => cp.prisma.toolInvocation.findFirst({ where: { callId, outcome: 'OK' } }), 'the traced row');
    expect(row.traceId).toBe(traceId);
    const metrics = await (await fetch(`${cp.url}/metrics`)).text();
    expect(metrics).toMatch(/switchyard_mcp_calls_total\{[^}]*server="everything"[^}]*outcome="OK"[^}]*\} [1-9]/);
  });

  it('passes structuredContent through', async () => {
    const { events, status } = await callTool({ tool: 'get-structured-content', argumentsJson: JSON.stringify({ location: 'New York' }) }).done;

    expect(status.code).toBe(Status.OK);
    const last = events.at(-1);
    expect(last?.event).toBe('result');
    expect(JSON.parse(last && 'result' in last ? last.result.structuredContentJson : '')).toEqual(expect.objectContaining({ temperature: expect.any(Number) }));
  });

  it('streams the progress of a long-running tool before its result', async () => {
    const { events, status } = await callTool({ tool: 'trigger-long-running-operation', argumentsJson: JSON.stringify({ duration: 1, steps: 3 }) }).done;

    expect(status.code).toBe(Status.OK);
    expect(events.map((event) => event.event)).toEqual(['progress', 'progress', 'progress', 'result']);
    expect(events.slice(0, 3).map((event) => ('progress' in event ? [event.progress.progress, event.progress.total] : []))).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('refuses a call without a key as UNAUTHENTICATED, with the code in the trailers', async () => {
    const { status } = await callTool({ tool: 'echo', argumentsJson: '{"message":"x"}' }, null).done;
    const listed = await listTools('everything', 'sy_not-a-real-key');

    expect(status.code).toBe(Status.UNAUTHENTICATED);
    expect(errorCodeOf(status)).toBe('UNAUTHENTICATED');
    expect(listed.error?.code).toBe(Status.UNAUTHENTICATED);
  });

  it('refuses a key without mcp:call as PERMISSION_DENIED', async () => {
    const viewer = await cp.keyFor(ApiKeyRole.VIEWER, 'grpc-viewer');

    const { status } = await callTool({ tool: 'echo', argumentsJson: '{"message":"x"}' }, viewer).done;

    expect(status.code).toBe(Status.PERMISSION_DENIED);
    expect(errorCodeOf(status)).toBe('FORBIDDEN');
  });

  it('refuses a tool outside the key\'s tool list as PERMISSION_DENIED, leaves a DENIED row, and lists only the tools the key may call', async () => {
    const narrowed = await keyWith({ allowedTools: ['everything__get-sum'] });

    const { status } = await callTool({ tool: 'echo', argumentsJson: '{"message":"not for this key"}' }, narrowed).done;
    const listed = await listTools('everything', narrowed);

    expect(status.code).toBe(Status.PERMISSION_DENIED);
    expect(errorCodeOf(status)).toBe('FORBIDDEN');
    const rows = await auditRows(narrowed);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tool: 'echo', outcome: 'DENIED', errorCode: 'FORBIDDEN', argumentsHmac: argumentsHmac(cp.config.auditHmacKey, { message: 'not for this key' }) });
    expect(listed.tools?.map((tool) => tool.name)).toEqual(['get-sum']);
  });

  it('checks a key narrowed on the admin API afresh at its next call, told by the key-change broadcast rather than after the key cache', async () => {
    const heard = async () =>
      (await cp.app.get(MetricsService).registry.getSingleMetric('switchyard_mcp_key_change_messages_total')?.get())?.values.find((value) => value.labels.direction === 'received')?.value ?? 0;
    const key = await keyWith({});
    const first = await callTool({ tool: 'get-sum', argumentsJson: '{"a":1,"b":2}' }, key).done; // the key's check is cached now
    const heardBefore = await heard();

    await cp.app.get(ApiKeysService).update(CLI_ACTOR, await keyIdOf(key), { allowedTools: ['everything__echo'] });
    await waitFor(async () => (await heard()) > heardBefore, 'the key change to be heard');
    const { status } = await callTool({ tool: 'get-sum', argumentsJson: '{"a":1,"b":2}' }, key).done;

    expect(first.status.code).toBe(Status.OK);
    expect(status.code).toBe(Status.PERMISSION_DENIED);
  });

  it('refuses a server outside the key\'s server list as PERMISSION_DENIED', async () => {
    const narrowed = await keyWith({ allowedServers: ['other'] });

    const { error } = await listTools('everything', narrowed);

    expect(error?.code).toBe(Status.PERMISSION_DENIED);
  });

  it('refuses a key over its rate limit as RESOURCE_EXHAUSTED with a retry hint, and audits the call as DENIED', async () => {
    const limited = await keyWith({});
    // The key's bucket, shared with /mcp, emptied: the next token comes in 2 s.
    await cp.app.get(RateLimiter).takeForKey(await keyIdOf(limited), RATE_LIMIT, RATE_LIMIT.burst);

    const { status } = await callTool({ tool: 'echo', argumentsJson: '{"message":"too soon"}' }, limited).done;

    expect(status.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(errorCodeOf(status)).toBe('RATE_LIMITED');
    expect(Number(status.metadata.get('retry-after-ms')[0])).toBeGreaterThan(0);
    expect(await auditRows(limited)).toEqual([expect.objectContaining({ tool: 'echo', outcome: 'DENIED', errorCode: 'RATE_LIMITED' })]);
  });

  it('answers NOT_FOUND for an unknown server', async () => {
    const { status } = await callTool({ server: 'no-such-server', tool: 'echo', argumentsJson: '{}' }).done;
    const listed = await listTools('no-such-server');

    expect(status.code).toBe(Status.NOT_FOUND);
    expect(errorCodeOf(status)).toBe('NOT_FOUND');
    expect(listed.error?.code).toBe(Status.NOT_FOUND);
  });

  it('refuses arguments that are not a JSON object as INVALID_ARGUMENT', async () => {
    const { status } = await callTool({ tool: 'echo', argumentsJson: '["message"]' }).done;

    expect(status.code).toBe(Status.INVALID_ARGUMENT);
    expect(status.details).toContain('arguments_json');
  });

  it('checks the arguments against the tool\'s input schema before dispatch: INVALID_ARGUMENT and a DENIED row', async () => {
    const checked = await keyWith({});

    const { status } = await callTool({ tool: 'echo', argumentsJson: '{"message":42}' }, checked).done;

    expect(status.code).toBe(Status.INVALID_ARGUMENT);
    expect(status.details).toContain('/message');
    expect(await auditRows(checked)).toEqual([expect.objectContaining({ tool: 'echo', outcome: 'DENIED', errorCode: 'INVALID_ARGUMENTS' })]);
  });

  it('uses a caller-chosen call id once: the same id again is ALREADY_EXISTS and calls nothing', async () => {
    const callId = `grpc-job-${Date.now()}`;
    const first = await callTool({ tool: 'echo', argumentsJson: '{"message":"once"}', callId }).done;

    const second = await callTool({ tool: 'echo', argumentsJson: '{"message":"once"}', callId }).done;

    expect(first.status.code).toBe(Status.OK);
    expect(first.events.at(-1)).toMatchObject({ result: { callId } });
    expect(second.status.code).toBe(Status.ALREADY_EXISTS);
    expect(await cp.prisma.toolInvocation.count({ where: { callId } })).toBe(1);
  });

  it('gives each call to a stateful version its own upstream session', async () => {
    const rows = await cp.prisma.toolInvocation.findMany({ where: { serverName: 'everything', tool: 'echo', outcome: 'OK' } });

    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(new Set(rows.map((row) => row.sessionId)).size).toBe(rows.length);
  });

  it('shares one upstream session among the calls to a stateless version, several at once', async () => {
    const shared = await placeEverything(cp, 'everything-shared');
    stopLater.push(() => shared.runner.stop());
    await cp.prisma.mcpServerVersion.update({ where: { id: shared.versionId }, data: { stateless: true } });

    const calls = await Promise.all(['one', 'two', 'three'].map((message) => callTool({ server: 'everything-shared', tool: 'echo', argumentsJson: JSON.stringify({ message }) }).done));
    const later = await callTool({ server: 'everything-shared', tool: 'echo', argumentsJson: '{"message":"four"}' }).done;

    expect([...calls, later].map(({ status }) => status.code)).toEqual([Status.OK, Status.OK, Status.OK, Status.OK]);
    expect(calls.map(({ events }) => events.at(-1)).map((event) => (event && 'result' in event ? JSON.parse(event.result.contentJson)[0].text : undefined))).toEqual(['Echo: one', 'Echo: two', 'Echo: three']);
    const rows = await waitFor(async () => {
      const found = await cp.prisma.toolInvocation.findMany({ where: { serverName: 'everything-shared', outcome: 'OK' } });
      return found.length === 4 ? found : undefined;
    }, 'the four rows');
    expect(new Set(rows.map((row) => row.sessionId)).size).toBe(1);
    expect(rows[0]?.versionId).toBe(shared.versionId);
  });

  // Last two: server-everything finishes a cancelled operation anyway (its late messages are dropped).
  it('ends a call whose deadline passes as DEADLINE_EXCEEDED and audits it as TIMEOUT', async () => {
    const { events, done } = callTool({ tool: 'trigger-long-running-operation', argumentsJson: JSON.stringify({ duration: 6, steps: 6 }) }, agentKey, { deadline: new Date(Date.now() + 3_000) });

    const { status } = await done;

    expect(status.code).toBe(Status.DEADLINE_EXCEEDED);
    // Dispatched and running when the deadline passed (not stuck before dispatch), never answered.
    expect(events.some((event) => event.event === 'progress')).toBe(true);
    expect(events.some((event) => event.event === 'result')).toBe(false);
    const row = await waitFor(async () => (await auditRows(agentKey)).find((r) => r.tool === 'trigger-long-running-operation' && r.argumentsHmac === argumentsHmac(cp.config.auditHmacKey, { duration: 6, steps: 6 }) && r.outcome !== 'PENDING'), 'the timed-out call\'s row');
    expect(row).toMatchObject({ outcome: 'TIMEOUT', errorCode: 'DEADLINE_EXCEEDED' });
  });

  it('cancels the call upstream when the client cancels the stream, and audits it as CANCELLED', async () => {
    const { stream, events, done } = callTool({ tool: 'trigger-long-running-operation', argumentsJson: JSON.stringify({ duration: 2, steps: 4 }) });
    await waitFor(() => events.some((event) => event.event === 'progress'), 'the first progress event');

    stream.cancel();

    expect((await done).status.code).toBe(Status.CANCELLED);
    const row = await waitFor(async () => (await auditRows(agentKey)).find((r) => r.tool === 'trigger-long-running-operation' && r.outcome === 'CANCELLED'), 'the cancelled call\'s row');
    expect(row).toMatchObject({ errorCode: 'CLIENT_CANCELLED', finishedAt: expect.any(Date) });
    // The next call gets the upstream again: the cancelled one released it.
    expect((await callTool({ tool: 'echo', argumentsJson: '{"message":"after"}' }).done).status.code).toBe(Status.OK);
  });
});

describe('gRPC ToolGateway at shutdown', () => {
  it('ends a call in flight with UNAVAILABLE and completes its row as INTERRUPTED before the database goes', async () => {
    const cp = await startControlPlane({ SWITCHYARD_GRPC_PORT: '0', SWITCHYARD_GRPC_HOST: '127.0.0.1' });
    const placed = await placeEverything(cp);
    const key = await cp.keyFor(ApiKeyRole.AGENT, 'grpc-shutdown');
    const ToolGateway = toolGatewayClientConstructor();
    const client = new ToolGateway(`127.0.0.1:${cp.app.get(ToolGatewayServer).port}`, credentials.createInsecure()) as unknown as ToolGatewayClient;
    const prisma = createPrismaClient(cp.database.url);
    try {
      const stream = client.CallTool({ server: 'everything', tool: 'trigger-long-running-operation', argumentsJson: JSON.stringify({ duration: 5, steps: 5 }) }, auth(key));
      const events: Received[] = [];
      stream.on('data', (event: Received) => events.push(event));
      stream.on('error', () => undefined);
      const ended = new Promise<StatusObject>((resolve) => stream.on('status', resolve));
      await waitFor(() => events.some((event) => event.event === 'progress'), 'the call to be running');

      await cp.app.close();

      const status = await ended;
      expect(status.code).toBe(Status.UNAVAILABLE);
      expect(status.metadata.get(ERROR_CODE_METADATA)).toEqual(['UPSTREAM_FAILED']);
      const rows = await prisma.toolInvocation.findMany({ where: { tool: 'trigger-long-running-operation' } });
      expect(rows).toEqual([expect.objectContaining({ outcome: 'INTERRUPTED', errorCode: 'CONTROL_PLANE_SHUTDOWN', finishedAt: expect.any(Date) })]);
    } finally {
      client.close();
      await prisma.$disconnect();
      await placed.runner.stop();
      await cp.database.drop();
    }
  });
});

describe('gRPC ToolGateway over TLS', () => {
  it('serves with the configured certificate; a plaintext client does not get in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grpc-tls-e2e-'));
    const tls = writeTestTlsFiles(dir);
    const cp = await startControlPlane({ SWITCHYARD_GRPC_PORT: '0', SWITCHYARD_GRPC_HOST: '127.0.0.1', SWITCHYARD_GRPC_TLS_CERT_FILE: tls.certFile, SWITCHYARD_GRPC_TLS_KEY_FILE: tls.keyFile });
    const ToolGateway = toolGatewayClientConstructor();
    const address = `127.0.0.1:${cp.app.get(ToolGatewayServer).port}`;
    const overTls = new ToolGateway(address, credentials.createSsl(readFileSync(tls.caFile))) as unknown as ToolGatewayClient;
    const plaintext = new ToolGateway(address, credentials.createInsecure()) as unknown as ToolGatewayClient;
    const list = (client: ToolGatewayClient, key: string) =>
      new Promise<ServiceError | null>((resolve) => client.ListTools({ server: 'no-such-server' }, auth(key), { deadline: new Date(Date.now() + 5_000) }, (error) => resolve(error)));
    try {
      const key = await cp.keyFor(ApiKeyRole.AGENT, 'grpc-tls');

      // NOT_FOUND is the service's own answer: the handshake and the key check went through.
      expect((await list(overTls, key))?.code).toBe(Status.NOT_FOUND);
      expect((await list(plaintext, key))?.code).toBe(Status.UNAVAILABLE);
    } finally {
      overTls.close();
      plaintext.close();
      await cp.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
