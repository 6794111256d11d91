// The aggregated MCP endpoint /mcp end to end: the SDK's Client over Streamable HTTP → /mcp on real
// control planes (two replicas on one database, Redis and NATS) → RunnerRelay → runner processes →
// two stdio servers: @modelcontextprotocol/server-everything (`everything`) and the aggregate
// fixture server (`fixture`: a tool with a long name, a tool that adds a tool).
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { createUser } from '@nats-io/jwt';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, type StreamableHTTPClientTransportOptions } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  CancelTaskResultSchema,
  CreateMessageRequestSchema,
  CreateTaskResultSchema,
  ElicitRequestSchema,
  GetTaskResultSchema,
  LATEST_PROTOCOL_VERSION,
  ListTasksResultSchema,
  McpError,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { testEnv, waitFor } from '@switchyard/devstack/testing';
import { credsText } from '@switchyard/nats-auth';
import { CLI_ACTOR } from '../src/admin-events/actor.js';
import { ApiKeysService } from '../src/api-keys/api-keys.service.js';
import { loadConfig } from '../src/config/config.js';
import { NatsLink } from '../src/connections/nats-link.js';
import { createApp } from '../src/create-app.js';
import { AggregateService } from '../src/gateway/aggregate/aggregate.service.js';
import { AggregateStore } from '../src/gateway/aggregate/aggregate-store.js';
import { SessionStore } from '../src/gateway/session-store.js';
import { argumentsHmac } from '../src/gateway/arguments-hmac.js';
import { createLogger } from '../src/logging/logger.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { RunnerCredentialsService } from '../src/nats-auth/runner-credentials.service.js';
import { PlacementService } from '../src/placement/placement.service.js';
import { placeEverything, placeStdioServer, SseReader, type PlacedEverything } from './gateway-fixtures.js';
import { ApiKeyRole, startControlPlane, testConfigEnv, type TestControlPlane } from './harness.js';
import { startRunnerProcess, stdioPlacement, type RunnerProcess } from './relay-runner-process.js';

jest.setTimeout(90_000);

const FIXTURE_SERVER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'aggregate-fixture-server.mjs');
const LONG_TOOL_NAME = 'echo-with-a-name-much-longer-than-sixty-four-characters-in-total';
/** Every session declares the same capabilities: one stdio process per server serves the sessions in turn. */
const CAPABILITIES = { sampling: {}, elicitation: {} };

type ToolResult = { content?: Array<{ type: string; text?: string; uri?: string }>; isError?: boolean };
const textOf = (result: unknown): string => ((result as ToolResult).content ?? []).map((part) => part.text ?? '').join('');

describe('MCP gateway: the aggregated endpoint /mcp', () => {
  let cp: TestControlPlane;
  let replicaB: { app: NestFastifyApplication; url: string };
  let everything: PlacedEverything;
  let fixture: PlacedEverything;
  let agentKey: string;
  const open: Array<{ client: Client; transport: StreamableHTTPClientTransport }> = [];

  const connect = async (key = agentKey, options: Partial<StreamableHTTPClientTransportOptions> = {}, setUp?: (client: Client) => void): Promise<Client> => {
    const client = new Client({ name: 'aggregate-e2e', version: '0.0.0' }, { capabilities: CAPABILITIES });
    setUp?.(client);
    const transport = new StreamableHTTPClientTransport(new URL(`${cp.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${key}` } }, ...options });
    open.push({ client, transport });
    await client.connect(transport);
    return client;
  };

  const keyWith = async (name: string, narrowing: { allowedServers?: string[]; allowedTools?: string[] }) =>
    (await cp.app.get(ApiKeysService).create(CLI_ACTOR, { name, role: ApiKeyRole.AGENT, ...narrowing })).key;
  const keyIdOf = async (key: string) => (await cp.app.get(ApiKeysService).authenticate(key)).keyId;

  beforeAll(async () => {
    cp = await startControlPlane();
    const config = loadConfig(
      testConfigEnv(cp.database.url, { SWITCHYARD_AUDIT_HMAC_KEY: cp.config.auditHmacKey.toString('base64'), SWITCHYARD_SECRETS_KEY: cp.config.secretsKey.toString('base64') }),
    );
    const app = await createApp(config, createLogger(config.logLevel));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    if (!address || typeof address === 'string') throw new Error('replica B did not bind a TCP port');
    replicaB = { app, url: `http://127.0.0.1:${address.port}` };
    await app.get(NatsLink).connected(30_000);
    everything = await placeEverything(cp);
    fixture = await placeStdioServer(cp, 'fixture', FIXTURE_SERVER);
    agentKey = await cp.keyFor(ApiKeyRole.AGENT, 'aggregate-agent');
  });

  afterEach(async () => {
    // One stdio process serves one session at a time: end each test's sessions before the next.
    for (const { client, transport } of open.splice(0)) {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    }
  });

  afterAll(async () => {
    await everything?.runner.stop();
    await fixture?.runner.stop();
    await replicaB?.app.close();
    await cp?.close();
  });

  it('answers initialize itself and lists the tools of both servers as <server>__<tool>', async () => {
    const sut = await connect();

    const tools = (await sut.listTools()).tools.map((tool) => tool.name);

    expect(sut.getServerVersion()?.name).toBe('switchyard');
    expect(sut.getServerCapabilities()).toMatchObject({ tools: { listChanged: true }, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true } });
    expect(tools).toEqual(expect.arrayContaining(['everything__echo', 'everything__trigger-sampling-request', 'fixture__echo', 'fixture__add-tool']));
    expect(tools.every((name) => name.length <= 64)).toBe(true);
  });

  it('calls echo on each server, and audits each call with the real server and tool', async () => {
    const sut = await connect();

    const onEverything = await sut.callTool({ name: 'everything__echo', arguments: { message: 'one' } });
    const onFixture = await sut.callTool({ name: 'fixture__echo', arguments: { message: 'two' } });

    expect(textOf(onEverything)).toBe('Echo: one');
    expect(textOf(onFixture)).toBe('Fixture echo: two');
    const keyId = await keyIdOf(agentKey);
    // Audit rows are completed just after the answers go out: wait for both.
    await waitFor(async () => (await cp.prisma.toolInvocation.count({ where: { apiKeyId: keyId, tool: 'echo', outcome: 'PENDING' } })) === 0, 'the audit rows to be completed');
    const rows = await cp.prisma.toolInvocation.findMany({ where: { apiKeyId: keyId, tool: 'echo' }, orderBy: { startedAt: 'asc' } });
    expect(rows.slice(-2)).toEqual([
      expect.objectContaining({ serverName: 'everything', tool: 'echo', versionId: everything.versionId, runnerId: everything.runnerId, outcome: 'OK', argumentsHmac: argumentsHmac(cp.config.auditHmacKey, { message: 'one' }) }),
      expect.objectContaining({ serverName: 'fixture', tool: 'echo', versionId: fixture.versionId, runnerId: fixture.runnerId, outcome: 'OK', argumentsHmac: argumentsHmac(cp.config.auditHmacKey, { message: 'two' }) }),
    ]);
    expect(rows.at(-1)?.sessionId).toBe(rows.at(-2)?.sessionId);
  });

  it('shortens a name over 64 characters to a stable form that is callable', async () => {
    const sut = await connect();

    const listed = (await sut.listTools()).tools.find((tool) => tool.title === LONG_TOOL_NAME);
    const result = await sut.callTool({ name: listed?.name as string, arguments: { message: 'long' } });

    expect(listed?.name).toHaveLength(64);
    expect(listed?.name.startsWith('fixture__echo-with-a-name')).toBe(true);
    expect(textOf(result)).toBe('Long echo: long');
    // The audit row is completed just after the answer goes out: wait for it.
    const row = await waitFor(() => cp.prisma.toolInvocation.findFirst({ where: { serverName: 'fixture', tool: LONG_TOOL_NAME, outcome: { not: 'PENDING' } } }), 'the audit row to be completed');
    expect(row).toMatchObject({ outcome: 'OK' });
  });

  it('pages a merged list: one cursor for the servers with more, whose next pages come from those alone', async () => {
    // The fixture lists its prompts two at a time; server-everything lists all of its prompts at once.
    const sut = await connect(await keyWith('paging', { allowedServers: ['everything', 'fixture'] }));
    const pages = [await sut.listPrompts()];
    for (let cursor = pages[0]?.nextCursor; cursor !== undefined && pages.length < 10; cursor = pages.at(-1)?.nextCursor) pages.push(await sut.listPrompts({ cursor }));
    const names = pages.map((page) => page.prompts.map((prompt) => prompt.name));

    expect(names).toHaveLength(3);
    expect(names[0]?.filter((name) => name.startsWith('fixture__'))).toEqual(['fixture__page-prompt-1', 'fixture__page-prompt-2']);
    expect(names[0]?.some((name) => name.startsWith('everything__'))).toBe(true);
    expect(names.slice(1)).toEqual([['fixture__page-prompt-3', 'fixture__page-prompt-4'], ['fixture__page-prompt-5']]);
  });

  it('lists and reads resources through switchyard:// URIs, and reads back a resource_link of a tool result', async () => {
    const sut = await connect();

    const resources = (await sut.listResources()).resources;
    const templates = (await sut.listResourceTemplates()).resourceTemplates;
    const first = resources[0];
    const read = await sut.readResource({ uri: first?.uri as string });
    const links = await sut.callTool({ name: 'everything__get-resource-links', arguments: { count: 2 } });
    const link = (links as ToolResult).content?.find((part) => part.type === 'resource_link');
    const readLink = await sut.readResource({ uri: link?.uri as string });

    expect(resources.length).toBeGreaterThan(0);
    expect(resources.every((resource) => resource.uri.startsWith('switchyard://everything/'))).toBe(true);
    expect(templates.length).toBeGreaterThan(0);
    expect(templates.every((template) => template.uriTemplate.startsWith('switchyard://everything/'))).toBe(true);
    expect(read.contents[0]?.uri).toBe(first?.uri);
    expect(link?.uri).toMatch(/^switchyard:\/\/everything\/demo:\/\//);
    expect(readLink.contents[0]?.uri).toBe(link?.uri);
  });

  it('routes a sampling request of one upstream to the client under a server-qualified id, and its answer back', async () => {
    const seenIds: Array<string | number> = [];
    const sut = await connect(agentKey, {}, (client) =>
      client.setRequestHandler(CreateMessageRequestSchema, (_request, extra) => {
        seenIds.push(extra.requestId);
        return { role: 'assistant', content: { type: 'text', text: 'sampled through /mcp' }, model: 'm', stopReason: 'endTurn' };
      }),
    );

    const result = await sut.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } });

    expect(textOf(result)).toContain('sampled through /mcp');
    expect(seenIds).toEqual([expect.stringMatching(/^everything:\d+$/)]);
  });

  it('relays an elicitation request and its answer, and rewrites resource update notifications of a subscription', async () => {
    const elicited: Array<string | number> = [];
    const sut = await connect(agentKey, {}, (client) =>
      client.setRequestHandler(ElicitRequestSchema, (_request, extra) => {
        elicited.push(extra.requestId);
        return { action: 'accept', content: { name: 'Ada Lovelace', check: true } };
      }),
    );
    const uri = 'switchyard://everything/demo://resource/static/document/architecture.md';
    const updates: string[] = [];
    sut.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => void updates.push(notification.params.uri));

    const result = await sut.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
    await sut.subscribeResource({ uri });
    await sut.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} });
    await waitFor(() => updates.length > 0, 'a resource update');
    await sut.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} }); // off again
    await sut.unsubscribeResource({ uri });

    expect(textOf(result)).toContain('- Name: Ada Lovelace');
    expect(elicited).toEqual([expect.stringMatching(/^everything:\d+$/)]);
    expect(updates[0]).toBe(uri);
  });

  it("gives the resource links in a sampling request's tool results gateway URIs, and relays the client's progress on it to the server that asked", async () => {
    const seen: Array<{ uri?: string; token?: unknown }> = [];
    const sut = await connect(agentKey, {}, (client) =>
      client.setRequestHandler(CreateMessageRequestSchema, async (request, extra) => {
        const toolResult = request.params.messages[1]?.content as { content?: Array<{ uri?: string }> };
        const content = toolResult.content?.[0] ?? {};
        const token = request.params._meta?.progressToken;
        seen.push({ uri: content.uri, token });
        if (token !== undefined) {
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2 } });
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 2, total: 2 } });
        }
        return { role: 'assistant', content: { type: 'text', text: 'sampled with progress' }, model: 'm', stopReason: 'endTurn' };
      }),
    );

    const result = await sut.callTool({ name: 'fixture__sample-about-resource', arguments: {} });

    expect(seen).toEqual([{ uri: 'switchyard://fixture/fixture://notes/1', token: expect.stringMatching(/^fixture:/) }]);
    expect(JSON.parse(textOf(result))).toEqual({ sampled: 'sampled with progress', progress: [1, 2] });
  });

  it('replays a call whose stream finished after its client dropped it, from the log, on Last-Event-ID', async () => {
    const sut = await connect();
    const { sessionId } = open.at(-1)?.transport as StreamableHTTPClientTransport;
    const headers = { authorization: `Bearer ${agentKey}`, 'mcp-session-id': sessionId as string, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION };
    const call = { jsonrpc: '2.0', id: 'dropped', method: 'tools/call', params: { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.3, steps: 1 } } };
    const first = new SseReader(await fetch(`${cp.url}/mcp`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(call) }));
    const priming = await first.next();
    await first.cancel(); // gone before the answer
    const keyId = await keyIdOf(agentKey);
    await waitFor(async () => (await cp.prisma.toolInvocation.count({ where: { apiKeyId: keyId, sessionId, outcome: 'OK' } })) === 1, 'the call to finish');

    const resumed = await fetch(`${cp.url}/mcp`, { headers: { ...headers, accept: 'text/event-stream', 'last-event-id': priming?.id as string } });
    const replayed = (await new SseReader(resumed).rest()).filter((event) => event.data !== '').map((event) => JSON.parse(event.data) as unknown);

    expect(sut.getServerVersion()?.name).toBe('switchyard');
    expect(priming).toMatchObject({ data: '' });
    expect(resumed.status).toBe(200);
    expect(replayed).toEqual([expect.objectContaining({ id: 'dropped', result: expect.objectContaining({ content: [expect.objectContaining({ type: 'text' })] }) })]);
  });

  it('maps progress tokens both ways on a long-running call', async () => {
    const sut = await connect();
    const progress: number[] = [];

    const result = await sut.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, { onprogress: (p) => progress.push(p.progress) });

    expect(progress).toEqual([1, 2, 3]);
    expect(textOf(result)).toContain('Long running operation completed');
  });

  it('shows a key narrowed to one server only that server, and refuses and audits a call to the other', async () => {
    const narrowedKey = await keyWith('fixture-only', { allowedServers: ['fixture'] });
    const sut = await connect(narrowedKey);

    const tools = (await sut.listTools()).tools.map((tool) => tool.name);
    const refused = await sut.callTool({ name: 'everything__echo', arguments: { message: 'nope' } }).catch((error: unknown) => error);

    expect(tools.length).toBeGreaterThan(0);
    expect(tools.every((name) => name.startsWith('fixture__'))).toBe(true);
    expect(refused).toBeInstanceOf(McpError);
    expect((refused as McpError).data).toMatchObject({ code: 'FORBIDDEN' });
    const rows = await cp.prisma.toolInvocation.findMany({ where: { apiKeyId: await keyIdOf(narrowedKey) } });
    expect(rows).toEqual([expect.objectContaining({ serverName: 'everything', tool: 'echo', outcome: 'DENIED', errorCode: 'FORBIDDEN' })]);
  });

  it('hides and refuses the tools a key is not given, within a server it may use', async () => {
    const narrowedKey = await keyWith('fixture-echo-only', { allowedTools: ['fixture__echo'] });
    const sut = await connect(narrowedKey);

    const tools = (await sut.listTools()).tools.map((tool) => tool.name);
    const refused = await sut.callTool({ name: 'fixture__add-tool', arguments: {} }).catch((error: unknown) => error);

    expect(tools).toEqual(['fixture__echo']);
    expect((refused as McpError).data).toMatchObject({ code: 'FORBIDDEN' });
    expect(await cp.prisma.toolInvocation.findMany({ where: { apiKeyId: await keyIdOf(narrowedKey) } })).toEqual([expect.objectContaining({ serverName: 'fixture', tool: 'add-tool', outcome: 'DENIED' })]);
  });

  it("checks a call's arguments against the real tool's input schema, as /mcp/<server> does", async () => {
    const key = await keyWith('bad-arguments', {});
    const sut = await connect(key);

    const refused = await sut.callTool({ name: 'fixture__echo', arguments: { message: 5 } }).catch((error: unknown) => error);

    expect((refused as McpError).code).toBe(-32602);
    expect((refused as McpError).data).toMatchObject({ code: 'INVALID_ARGUMENTS' });
    expect(await cp.prisma.toolInvocation.findMany({ where: { apiKeyId: await keyIdOf(key) } })).toEqual([
      expect.objectContaining({ serverName: 'fixture', tool: 'echo', outcome: 'DENIED', errorCode: 'INVALID_ARGUMENTS' }),
    ]);
  });

  it("forwards an upstream's tools/list_changed, and the new tool is listed", async () => {
    // Only the fixture upstream, which sends list_changed only when a tool is added (never at start-up).
    const sut = await connect(await keyWith('fixture-list-changed', { allowedServers: ['fixture'] }));
    await sut.listTools();
    let changed = 0;
    sut.setNotificationHandler(ToolListChangedNotificationSchema, () => void (changed += 1));

    const added = textOf(await sut.callTool({ name: 'fixture__add-tool', arguments: {} }));
    await waitFor(() => changed > 0, 'notifications/tools/list_changed on the client');
    const tools = (await sut.listTools()).tools.map((tool) => tool.name);

    expect(tools).toContain(`fixture__${added}`);
  });

  it('serves one session from both replicas alternately: tools of both servers and a sampling round trip', async () => {
    const served: string[] = [];
    let turn = 0;
    const alternating: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const target = new URL([cp.url, replicaB.url][turn++ % 2] as string);
      url.host = target.host;
      served.push(`${init?.method ?? 'GET'} ${target.host === new URL(cp.url).host ? 'A' : 'B'}`);
      return fetch(url, init);
    };
    const sut = await connect(agentKey, { fetch: alternating }, (client) =>
      client.setRequestHandler(CreateMessageRequestSchema, () => ({ role: 'assistant', content: { type: 'text', text: 'sampled across replicas' }, model: 'm', stopReason: 'endTurn' })),
    );

    const tools = (await sut.listTools()).tools.map((tool) => tool.name);
    const one = await sut.callTool({ name: 'everything__echo', arguments: { message: 'A or B' } });
    const two = await sut.callTool({ name: 'fixture__echo', arguments: { message: 'B or A' } });
    const sampled = await sut.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } });

    expect(tools).toEqual(expect.arrayContaining(['everything__echo', 'fixture__echo']));
    expect(textOf(one)).toBe('Echo: A or B');
    expect(textOf(two)).toBe('Fixture echo: B or A');
    expect(textOf(sampled)).toContain('sampled across replicas');
    expect(served.filter((entry) => entry.startsWith('POST'))).toEqual(expect.arrayContaining(['POST A', 'POST B']));
    expect([cp.app.get(AggregateService).openSessions, replicaB.app.get(AggregateService).openSessions].sort()).toEqual([0, 1]);
  });
  it('answers a JSON-only client through the replica that does not hold the session, and ends the session from there', async () => {
    const headers = (sessionId?: string, accept = 'application/json, text/event-stream') => ({
      authorization: `Bearer ${agentKey}`,
      'content-type': 'application/json',
      accept,
      ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' } : {}),
    });
    const post = (base: string, body: unknown, sessionId?: string, accept?: string) => fetch(`${base}/mcp`, { method: 'POST', headers: headers(sessionId, accept), body: JSON.stringify(body) });
    const opened = await post(cp.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: CAPABILITIES, clientInfo: { name: 'raw', version: '0' } } });
    const sessionId = opened.headers.get('mcp-session-id') as string;
    expect((await post(cp.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, sessionId)).status).toBe(202);

    const answer = await post(replicaB.url, { jsonrpc: '2.0', id: 'sum', method: 'tools/call', params: { name: 'everything__get-sum', arguments: { a: 20, b: 22 } } }, sessionId, 'application/json');
    const ended = await fetch(`${replicaB.url}/mcp`, { method: 'DELETE', headers: headers(sessionId) });
    const after = await post(cp.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, sessionId);

    expect(opened.status).toBe(200);
    expect(await opened.json()).toMatchObject({ id: 0, result: { protocolVersion: '2025-11-25', serverInfo: { name: 'switchyard' } } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('application/json');
    const body = (await answer.json()) as { id: string; result: unknown };
    expect(body.id).toBe('sum');
    expect(textOf(body.result)).toContain('42');
    expect(ended.status).toBe(200);
    expect(after.status).toBe(404);
  });

  it('sends list_changed when a server the key may use is placed or goes away while the session is open', async () => {
    const sut = await connect();
    const before = (await sut.listTools()).tools.map((tool) => tool.name);
    let changed = 0;
    sut.setNotificationHandler(ToolListChangedNotificationSchema, () => void (changed += 1));
    const latecomer = await placeStdioServer(cp, 'latecomer', FIXTURE_SERVER);
    try {
      await cp.app.get(AggregateService).sweep(); // what its timer does every 10 s
      await waitFor(() => changed === 1, 'list_changed for the placed server');
      const withLatecomer = (await sut.listTools()).tools.map((tool) => tool.name);

      await cp.prisma.runner.update({ where: { id: latecomer.runnerId }, data: { status: 'OFFLINE' } });
      await cp.app.get(AggregateService).sweep();
      await waitFor(() => changed === 2, 'list_changed for the server gone');
      const after = (await sut.listTools()).tools.map((tool) => tool.name);

      expect(before.some((name) => name.startsWith('latecomer__'))).toBe(false);
      expect(withLatecomer).toContain('latecomer__echo');
      expect(after.some((name) => name.startsWith('latecomer__'))).toBe(false);
    } finally {
      await latecomer.runner.stop();
    }
  });

  describe('a key changed while its session is open (the mutation on replica B, the session held on A)', () => {
    const adminGql = async (query: string, variables: Record<string, unknown>) => {
      const response = await fetch(`${replicaB.url}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await cp.keyFor(ApiKeyRole.ADMIN, 'aggregate-admin')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { errors?: unknown };
      if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors));
    };
    const updateKey = (id: string, input: { allowedServers?: string[]; allowedTools?: string[] }) =>
      adminGql(`mutation($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id } }`, { id, input });
    const listsChanged = (client: Client): string[] => {
      const seen: string[] = [];
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => void seen.push('tools'));
      client.setNotificationHandler(PromptListChangedNotificationSchema, () => void seen.push('prompts'));
      client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void seen.push('resources'));
      return seen;
    };
    const sweepHolder = () => cp.app.get(AggregateService).sweep(); // what its timer does every 10 s

    it('sends tools/list_changed alone when only the allowed tools change what is visible, and nothing when nothing visible changed', async () => {
      const key = await keyWith('retooled', {});
      const keyId = await keyIdOf(key);
      const sut = await connect(key);
      const before = (await sut.listTools()).tools.map((tool) => tool.name);
      const seen = listsChanged(sut);

      // Widened to a server nobody serves: nothing visible changes, nothing is sent. Notifications
      // arrive in order on the GET stream, so a spurious one would come before the next one.
      await updateKey(keyId, { allowedServers: ['everything', 'fixture', 'served-nowhere'] });
      await sweepHolder();
      await updateKey(keyId, { allowedServers: ['everything', 'fixture', 'served-nowhere'], allowedTools: ['everything__echo', 'fixture__echo'] });
      await sweepHolder();
      await waitFor(() => seen.length > 0, 'list_changed for the narrowed tools');
      const after = (await sut.listTools()).tools.map((tool) => tool.name);

      expect(before).toEqual(expect.arrayContaining(['everything__echo', 'everything__get-sum', 'fixture__echo']));
      expect(seen).toEqual(['tools']);
      expect(after.sort()).toEqual(['everything__echo', 'fixture__echo']);
    });

    it('sends list_changed for every list when the key is narrowed to one server, and again when it is widened back', async () => {
      const key = await keyWith('reserved', {});
      const keyId = await keyIdOf(key);
      const sut = await connect(key);
      await sut.listTools();
      const seen = listsChanged(sut);

      await updateKey(keyId, { allowedServers: ['fixture'] });
      await sweepHolder();
      await waitFor(() => seen.length === 3, 'list_changed for tools, prompts and resources');
      const narrowed = (await sut.listTools()).tools.map((tool) => tool.name);
      const refused = await sut.callTool({ name: 'everything__echo', arguments: { message: 'nope' } }).catch((error: unknown) => error);
      await updateKey(keyId, { allowedServers: [] });
      await sweepHolder();
      await waitFor(() => seen.length === 6, 'list_changed again after widening');
      const widened = (await sut.listTools()).tools.map((tool) => tool.name);

      expect(seen).toEqual(['tools', 'prompts', 'resources', 'tools', 'prompts', 'resources']);
      expect(narrowed.every((name) => name.startsWith('fixture__'))).toBe(true);
      expect((refused as McpError).data).toMatchObject({ code: 'FORBIDDEN' });
      expect(widened).toEqual(expect.arrayContaining(['everything__echo', 'fixture__echo']));
    });

    it('reaches the session on A as soon as B changes the key: B publishes the change, and A, hearing it, sweeps at once', async () => {
      const received = async () => (await cp.app.get(MetricsService).registry.getSingleMetric('switchyard_mcp_key_change_messages_total')?.get())?.values.find((value) => value.labels.direction === 'received')?.value ?? 0;
      const key = await keyWith('broadcast', {});
      const sut = await connect(key);
      await sut.listTools();
      const seen = listsChanged(sut);
      const heardBefore = await received();

      await updateKey(await keyIdOf(key), { allowedServers: ['everything'] });
      await waitFor(() => seen.length === 3, 'list_changed after the broadcast');
      const tools = (await sut.listTools()).tools.map((tool) => tool.name);

      expect(await received()).toBeGreaterThan(heardBefore);
      expect(tools.every((name) => name.startsWith('everything__'))).toBe(true);
    });

    it('ends the session of a revoked key: its upstreams close and its next request gets 401', async () => {
      const key = await keyWith('revoked-mid-session', {});
      const keyId = await keyIdOf(key);
      const sut = await connect(key);
      await sut.callTool({ name: 'fixture__echo', arguments: { message: 'before' } });
      const sessionId = open.at(-1)?.transport.sessionId as string;
      const upstreamIds = Object.values((await cp.app.get(AggregateStore).find(sessionId))?.upstreams ?? {});

      await adminGql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: keyId });
      await sweepHolder();
      const next = await fetch(`${cp.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });

      expect(next.status).toBe(401);
      expect(((await next.json()) as { error: { data: unknown } }).error.data).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(cp.app.get(AggregateService).openSessions).toBe(0);
      expect(upstreamIds).toHaveLength(1);
      await waitFor(async () => (await cp.app.get(AggregateStore).find(sessionId)) === undefined, 'the record of the ended session to be removed');
      await waitFor(async () => (await cp.app.get(SessionStore).find(upstreamIds[0] as string)) === undefined, 'the record of its upstream session to be removed');
    });
  });

  it("replaces an upstream pinned to a version that was rolled back, without ending the /mcp session", async () => {
    // Two versions of one server (the fixture server) on one runner; a canary at 99 % places the
    // session's upstream on the challenger; after the rollback the next call goes to the champion.
    const SERVER = 'canaried';
    const nodepool = await cp.prisma.nodepool.create({ data: { name: `agg-${randomUUID().slice(0, 8)}`, kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } });
    const server = await cp.prisma.mcpServer.create({ data: { name: SERVER } });
    const version = (v: string) => cp.prisma.mcpServerVersion.create({ data: { serverId: server.id, version: v, transport: 'STDIO', command: 'node', args: [FIXTURE_SERVER] } });
    const [champion, challenger] = [await version('1.0.0'), await version('2.0.0')];
    const [d1, d2] = [
      await cp.prisma.deployment.create({ data: { versionId: champion.id, nodepoolId: nodepool.id, replicas: 1 } }),
      await cp.prisma.deployment.create({ data: { versionId: challenger.id, nodepoolId: nodepool.id, replicas: 1 } }),
    ];
    const runnerKey = createUser();
    const row = await cp.prisma.runner.create({ data: { nodepoolId: nodepool.id, name: `agg-${randomUUID().slice(0, 8)}`, publicKey: runnerKey.getPublicKey(), capacity: 8 } });
    const { jwt } = await cp.app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId: row.id, runnerPublicKey: runnerKey.getPublicKey() });
    const runner: RunnerProcess = await startRunnerProcess({
      natsUrl: testEnv().natsUrl,
      runnerId: row.id,
      creds: credsText(jwt, runnerKey),
      placements: [
        { ...stdioPlacement(d1.id, SERVER, FIXTURE_SERVER), versionId: champion.id },
        { ...stdioPlacement(d2.id, SERVER, FIXTURE_SERVER), versionId: challenger.id },
      ],
    });
    const sessions: Array<{ client: Client; transport: StreamableHTTPClientTransport }> = [];
    try {
      await cp.prisma.runner.update({ where: { id: row.id }, data: { status: 'HEALTHY' } });
      await cp.app.get(PlacementService).replan();
      const operatorKey = await cp.keyFor(ApiKeyRole.OPERATOR, 'aggregate-operator');
      const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
        const response = await cp.gql<T>(query, variables, operatorKey);
        if (!response.data) throw new Error(JSON.stringify(response.errors));
        return response.data;
      };
      const { startRollout } = await gql<{ startRollout: { id: string } }>(`mutation($input: StartRolloutInput!) { startRollout(input: $input) { id } }`, {
        input: { serverName: SERVER, championVersionId: champion.id, challengerVersionId: challenger.id, config: { shadow: { enabled: false }, canary: { steps: [0.99] } } },
      });
      let phase = 'PILOT';
      for (let i = 0; i < 3 && phase !== 'CANARY'; i++) phase = (await gql<{ advanceRollout: { phase: string } }>(`mutation($id: ID!) { advanceRollout(id: $id) { phase } }`, { id: startRollout.id })).advanceRollout.phase;
      const key = await keyWith('canaried-only', { allowedServers: [SERVER] });
      const echoVersion = async (client: Client, message: string) => {
        await client.callTool({ name: `${SERVER}__echo`, arguments: { message } });
        const audited = await waitFor(() => cp.prisma.toolInvocation.findFirst({ where: { serverName: SERVER, argumentsHmac: argumentsHmac(cp.config.auditHmacKey, { message }), outcome: 'OK' } }), `the audit row of ${message}`);
        return audited.versionId;
      };
      // At 99 % one try nearly always lands on the challenger; a session on the champion is ended and tried again.
      let pinned: Client | undefined;
      for (let attempt = 0; attempt < 5 && pinned === undefined; attempt++) {
        const client = new Client({ name: 'aggregate-rollback', version: '0.0.0' }, { capabilities: CAPABILITIES });
        const transport = new StreamableHTTPClientTransport(new URL(`${cp.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } });
        sessions.push({ client, transport });
        await client.connect(transport);
        if ((await echoVersion(client, `try ${attempt}`)) === challenger.id) pinned = client;
        else await transport.terminateSession();
      }
      if (pinned === undefined) throw new Error('no upstream landed on the challenger in 5 tries at 99 %');
      let changed = 0;
      pinned.setNotificationHandler(ToolListChangedNotificationSchema, () => void (changed += 1));

      await gql(`mutation($id: ID!) { rollbackRollout(id: $id, reason: "error budget") { phase } }`, { id: startRollout.id });
      const after = await echoVersion(pinned, 'after the rollback');

      expect(phase).toBe('CANARY');
      expect(after).toBe(champion.id);
      await waitFor(() => changed > 0, 'list_changed for the replaced upstream');
    } finally {
      for (const { client, transport } of sessions) {
        await transport.terminateSession().catch(() => undefined);
        await client.close();
      }
      await runner.stop();
    }
  });

  describe('tasks (2025-11-25) through /mcp, on server-everything', () => {
    const RELATED_TASK = 'io.modelcontextprotocol/related-task';
    const startResearch = (client: Client, args: Record<string, unknown>) =>
      client.request({ method: 'tools/call', params: { name: 'everything__simulate-research-query', arguments: args, task: { ttl: 60_000 } } }, CreateTaskResultSchema);

    it('runs a tool as a task: its id names the server, and tasks/get, tasks/list and tasks/result reach that server', async () => {
      const sut = await connect();

      const created = await startResearch(sut, { topic: 'gateways' });
      const { taskId } = created.task;
      const running = await sut.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);
      const listed = await sut.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
      const result = await sut.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema); // blocks until the task ends
      const done = await sut.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);

      expect(sut.getServerCapabilities()?.tasks).toMatchObject({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
      expect(taskId).toMatch(/^everything:.+/);
      expect(running).toMatchObject({ taskId, status: 'working' });
      expect(listed.tasks.map((task) => task.taskId)).toContain(taskId);
      expect(textOf(result)).toContain('# Research Report: gateways');
      expect(result._meta?.[RELATED_TASK]).toEqual({ taskId });
      expect(done).toMatchObject({ taskId, status: 'completed' });
    });

    it("relays the elicitation a task needs through tasks/result, naming the task by its /mcp id, and the client's answer back", async () => {
      const asked: unknown[] = [];
      const sut = await connect(agentKey, {}, (client) =>
        client.setRequestHandler(ElicitRequestSchema, (request) => {
          asked.push(request.params._meta?.[RELATED_TASK]);
          return { action: 'accept', content: { interpretation: 'historical' } };
        }),
      );

      const { task } = await startResearch(sut, { topic: 'switchyards', ambiguous: true });
      const result = await sut.request({ method: 'tasks/result', params: { taskId: task.taskId } }, CallToolResultSchema);

      expect(asked).toEqual([{ taskId: task.taskId }]);
      expect(textOf(result)).toContain('# Research Report: switchyards (historical)');
    });

    it('cancels a task on the server its id names, and refuses a task id that names no server', async () => {
      const sut = await connect();
      const { task } = await startResearch(sut, { topic: 'cancelled' });

      const cancelled = await sut.request({ method: 'tasks/cancel', params: { taskId: task.taskId } }, CancelTaskResultSchema);
      const after = await sut.request({ method: 'tasks/get', params: { taskId: task.taskId } }, GetTaskResultSchema);
      const refused = await sut.request({ method: 'tasks/get', params: { taskId: 'no-server-named' } }, GetTaskResultSchema).catch((error: unknown) => error);

      expect(cancelled).toMatchObject({ taskId: task.taskId, status: 'cancelled' });
      expect(after.status).toBe('cancelled');
      expect((refused as McpError).code).toBe(-32602);
    });
  });

  // Last: server-everything finishes the cancelled operation anyway, and the next session on the
  // same stdio process would see its late messages.
  it('cancels a call through /mcp: the upstream gets its own request id, the call is audited CANCELLED', async () => {
    // The cancelled call's stream ends without an answer, which the SDK client takes as a dropped
    // stream to resume later: no retries, or its timer outlives the test.
    const key = await keyWith('cancelling', {});
    const sut = await connect(key, { reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 } });
    // Requests the gateway answers itself: the client's ids move ahead of the upstream's, so a
    // cancellation that kept the client's id would name no request upstream.
    await sut.ping();
    await sut.ping();
    const stop = new AbortController();
    const progress: number[] = [];
    const call = sut.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 2, steps: 4 } }, undefined, { signal: stop.signal, onprogress: (p) => progress.push(p.progress) });
    await waitFor(() => progress.length > 0, 'the call to be running');

    stop.abort('the user pressed stop');

    await expect(call).rejects.toThrow();
    const row = await waitFor(async () => (await cp.prisma.toolInvocation.findMany({ where: { apiKeyId: await keyIdOf(key), outcome: { not: 'PENDING' } } }))[0], 'the audit row to be completed');
    expect(row).toMatchObject({ serverName: 'everything', tool: 'trigger-long-running-operation', outcome: 'CANCELLED', errorCode: 'CLIENT_CANCELLED' });
  });
});
