// The relay end to end: RunnerRelay in a real control plane → nats-server (operator mode, default
// 1 MB max_payload) → a runner PROCESS with its own runner JWT → a real ServerSupervisor → stdio
// MCP servers (@modelcontextprotocol/server-everything, and the relay fixture server).
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { createUser } from '@nats-io/jwt';
import { connect, credsAuthenticator, type NatsConnection, type Status } from '@nats-io/transport-node';
import { testEnv } from '@switchyard/devstack/testing';
import { credsText } from '@switchyard/nats-auth';
import { encode, ErrorCode, NATS_DEFAULT_MAX_PAYLOAD, RUNNER_PROTOCOL_VERSION, subjects, upstreamMessageSchema, type DomainError, type JsonRpcMessage } from '@switchyard/protocol';
import { NatsLink } from '../src/connections/nats-link.js';
import { RunnerCredentialsService } from '../src/nats-auth/runner-credentials.service.js';
import { RunnerRelay } from '../src/relay/runner-relay.js';
import type { RelaySession } from '../src/relay/relay-session.js';
import { CallTelemetry } from '../src/telemetry/call-telemetry.service.js';
import { parseTraceparent } from '../src/telemetry/traceparent.js';
import { startControlPlane, type TestControlPlane } from './harness.js';
import { RelayTestClient, until } from './relay-client.js';
import { EVERYTHING_ENTRY, RELAY_FIXTURE_SERVER, startRunnerProcess, stdioPlacement, type RunnerProcess } from './relay-runner-process.js';

jest.setTimeout(60_000);

const EVERYTHING = 'dep-everything';
const FIXTURE = 'dep-fixture';
const placements = [stdioPlacement(EVERYTHING, 'everything', EVERYTHING_ENTRY, ['stdio']), stdioPlacement(FIXTURE, 'relay-fixture', RELAY_FIXTURE_SERVER)];
/** Every session declares the same capabilities: one server-everything process serves them in turn, and it registers its capability-dependent tools only once. */
const CAPABILITIES = { sampling: {}, elicitation: {} };

const textOf = (message: JsonRpcMessage): string => {
  if (!('result' in message)) return '';
  return ((message.result.content ?? []) as Array<{ text?: string }>).map((part) => part.text ?? '').join('');
};
const isLog = (data: string) => (message: JsonRpcMessage) => 'method' in message && message.method === 'notifications/message' && message.params?.data === data;

describe('relay: control plane → NATS → runner → stdio MCP server', () => {
  let cp: TestControlPlane;
  let sut: RunnerRelay;
  let runner: RunnerProcess;
  let runnerId: string;
  let nodepoolId: string;
  const sessions: RelaySession[] = [];

  /** A Runner row (liveness maps `$SYS` events to runners by key) and a runner JWT for its key. */
  const enrolledRunner = async () => {
    const key = createUser();
    const row = await cp.prisma.runner.create({ data: { nodepoolId, name: `relay-${randomUUID().slice(0, 8)}`, publicKey: key.getPublicKey() } });
    const { jwt } = await cp.app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId: row.id, runnerPublicKey: key.getPublicKey() });
    return { runnerId: row.id, creds: credsText(jwt, key) };
  };

  const open = (deploymentId: string, onRunner = runnerId): RelaySession => {
    const session = sut.openSession(onRunner, { sessionId: randomUUID(), deploymentId, versionId: 'ver-1' });
    sessions.push(session);
    return session;
  };

  const client = async (deploymentId: string): Promise<RelayTestClient> => {
    const relayClient = new RelayTestClient(open(deploymentId));
    await relayClient.initialize(CAPABILITIES);
    return relayClient;
  };

  beforeAll(async () => {
    cp = await startControlPlane();
    sut = cp.app.get(RunnerRelay);
    nodepoolId = (await cp.prisma.nodepool.create({ data: { name: 'relay-e2e', kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } })).id;
    const enrolled = await enrolledRunner();
    runnerId = enrolled.runnerId;
    runner = await startRunnerProcess({ natsUrl: testEnv().natsUrl, runnerId, creds: enrolled.creds, placements });
  });

  afterEach(() => {
    // Releases each stdio server for the next test's session.
    for (const session of sessions.splice(0)) session.close();
  });

  afterAll(async () => {
    await runner?.stop();
    await cp?.close();
  });

  it('relays initialize, tools/list and tools/call (echo) to server-everything', async () => {
    const sutClient = new RelayTestClient(open(EVERYTHING));

    const init = await sutClient.initialize(CAPABILITIES);
    const { response: list } = await sutClient.request('tools/list');
    const { callId, response: echo } = await sutClient.request('tools/call', { name: 'echo', arguments: { message: 'across the runner hop' } });

    expect(init).toMatchObject({ result: { serverInfo: { name: 'mcp-servers/everything' }, capabilities: { tools: expect.any(Object) } } });
    expect(JSON.stringify(list)).toContain('"name":"echo"');
    expect(textOf(echo)).toBe('Echo: across the runner hop');
    // The answer names its call: the gateway completes the audit row with it.
    expect(sutClient.events).toContainEqual({ type: 'message', callId, message: echo });
  });

  it('streams the progress notifications of a long-running tool before its result', async () => {
    const sutClient = await client(EVERYTHING);

    const { callId, response } = await sutClient.request('tools/call', { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 }, _meta: { progressToken: 'p-1' } });

    const progress = sutClient.events.filter((event) => event.type === 'message' && 'method' in event.message && event.message.method === 'notifications/progress');
    const resultIndex = sutClient.events.findIndex((event) => event.type === 'message' && event.message === response);
    expect(progress.map((event) => (event.type === 'message' && 'params' in event.message ? event.message.params?.progress : undefined))).toEqual([1, 2, 3, 4]);
    expect(progress.every((event) => event.type === 'message' && event.callId === callId)).toBe(true);
    expect(sutClient.events.indexOf(progress[3] as (typeof sutClient.events)[number])).toBeLessThan(resultIndex);
    expect(textOf(response)).toContain('Long running operation completed');
  });

  it('relays a sampling request to the client and its answer back to the server', async () => {
    const sutClient = (await client(EVERYTHING)).answer('sampling/createMessage', () => ({
      role: 'assistant',
      content: { type: 'text', text: 'sampled by the test client' },
      model: 'test-model',
      stopReason: 'endTurn',
    }));

    const { response } = await sutClient.request('tools/call', { name: 'trigger-sampling-request', arguments: { prompt: 'say hi', maxTokens: 10 } });

    expect(sutClient.messages()).toContainEqual(expect.objectContaining({ method: 'sampling/createMessage', id: expect.anything() }));
    expect(textOf(response)).toContain('sampled by the test client');
  });

  it('relays an elicitation request to the client and its answer back to the server', async () => {
    const sutClient = (await client(EVERYTHING)).answer('elicitation/create', () => ({ action: 'accept', content: { name: 'Ada Lovelace', check: true } }));

    const { response } = await sutClient.request('tools/call', { name: 'trigger-elicitation-request', arguments: {} });

    expect(textOf(response)).toContain('- Name: Ada Lovelace');
  });

  it('relays resource subscriptions and their update notifications', async () => {
    const sutClient = await client(EVERYTHING);
    const uri = 'demo://resource/static/document/architecture.md';

    await sutClient.request('resources/subscribe', { uri });
    await sutClient.request('tools/call', { name: 'toggle-subscriber-updates', arguments: {} });
    const update = await sutClient.waitFor((message) => 'method' in message && message.method === 'notifications/resources/updated', 'a resource update');
    await sutClient.request('tools/call', { name: 'toggle-subscriber-updates', arguments: {} }); // off again

    expect(update).toMatchObject({ params: { uri } });
  });

  it("cancels a long call: the client's notifications/cancelled reaches the server", async () => {
    const sutClient = await client(FIXTURE);
    const { id } = await sutClient.start('tools/call', { name: 'wait-for-cancel', arguments: { label: 'client-cancel' } });

    await sutClient.session.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'user pressed stop' } });

    await expect(sutClient.waitFor(isLog('cancelled client-cancel'), 'the server to see the cancellation')).resolves.toBeDefined();
  });

  it("cancels a long call from the control plane: the runner cancels it upstream and reports it CANCELLED", async () => {
    const sutClient = await client(FIXTURE);
    const { callId } = await sutClient.start('tools/call', { name: 'wait-for-cancel', arguments: { label: 'cp-cancel' } });

    sutClient.session.cancel(callId, 'gateway deadline');

    await expect(sutClient.waitFor(isLog('cancelled cp-cancel'), 'the server to see the cancellation')).resolves.toBeDefined();
    await expect(sutClient.waitForEvent((event) => event.type === 'call-failed', 'the call to be reported failed')).resolves.toEqual({
      type: 'call-failed',
      callId,
      code: 'CANCELLED',
      message: 'cancelled: gateway deadline',
    });
  });

  it("carries the call's trace context to the server: the gateway span's traceparent arrives in the tool's _meta", async () => {
    const sutClient = await client(FIXTURE);
    const clientTraceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01';
    const span = cp.app.get(CallTelemetry).startCall({ server: 'relay-fixture', tool: 'meta', incoming: { meta: clientTraceparent } });

    const { response } = await sutClient.request('tools/call', { name: 'meta', arguments: {}, _meta: { traceparent: clientTraceparent } }, { traceparent: span.traceparent });
    span.end('OK');

    expect(JSON.parse(textOf(response))).toEqual({ traceparent: span.traceparent });
    expect(parseTraceparent(span.traceparent)).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: expect.not.stringMatching('b7ad6b7169203331') });
  });

  it('brings a 5 MB result intact through a nats-server with the default 1 MB max_payload', async () => {
    const sutClient = await client(FIXTURE);
    const bytes = 5 * 1024 * 1024;
    const natsMaxPayload = (await cp.app.get(NatsLink).connected(5_000)).info?.max_payload;

    const { response } = await sutClient.request('tools/call', { name: 'large', arguments: { bytes } });

    expect(natsMaxPayload).toBe(NATS_DEFAULT_MAX_PAYLOAD);
    const text = textOf(response);
    expect(text.length).toBe(bytes);
    const unit = 'abcdefghijklmnopqrstuvwxyz0123456789';
    expect(text === unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes)).toBe(true);
  });

  it("drops a message in which another runner speaks for this runner's session", async () => {
    const sutClient = await client(FIXTURE);
    const intruder = await enrolledRunner();
    const intruderNats: NatsConnection = await connect({
      servers: testEnv().natsUrl,
      inboxPrefix: subjects.runnerInboxPrefix(intruder.runnerId),
      authenticator: credsAuthenticator(new TextEncoder().encode(intruder.creds)),
    });
    const statuses: Status[] = [];
    void (async () => {
      for await (const status of intruderNats.status()) statuses.push(status);
    })();
    const forgedBefore = sut.dropped.forged;
    const forged = (seq: number) =>
      encode(upstreamMessageSchema, { v: RUNNER_PROTOCOL_VERSION, sessionId: sutClient.session.sessionId, seq, kind: 'message', message: { jsonrpc: '2.0', id: 4242, result: { forged: true } } });
    try {
      // On its own subject (allowed): the relay sees runner B named in the subject, A's session in the body.
      for (let seq = 0; seq < 20; seq++) intruderNats.publish(subjects.cpMessages(intruder.runnerId), forged(seq));
      // On runner A's subject: NATS itself denies it.
      intruderNats.publish(subjects.cpMessages(runnerId), forged(0));
      await intruderNats.flush();
      const { response: pong } = await sutClient.request('ping');
      await until(() => (sut.dropped.forged - forgedBefore === 20 ? true : undefined), 'the 20 forged messages to be counted', 5_000, () => undefined);
      const denied = await until(() => statuses.find((status) => status.type === 'error'), 'NATS to deny the publish on the other runner\'s subject', 5_000, () => undefined);

      expect(pong).toMatchObject({ id: expect.any(Number), result: {} });
      expect(sutClient.messages()).not.toContainEqual(expect.objectContaining({ id: 4242 }));
      expect(denied.type === 'error' && denied.error.message).toMatch(new RegExp(`Permissions Violation for Publish to "?${subjects.cpMessages(runnerId).replaceAll('.', '\\.')}`));
    } finally {
      await intruderNats.close();
    }
  });

  it('turns a refusal of the runner into a clear DomainError, and a runner that is not there into UPSTREAM_FAILED', async () => {
    const notPlaced = new RelayTestClient(open('dep-nowhere'));
    const nobody = new RelayTestClient(open(FIXTURE, randomUUID()));

    const refused = await notPlaced.initialize(CAPABILITIES).then(() => undefined, (error: DomainError) => error);
    const absent = await nobody.initialize(CAPABILITIES).then(() => undefined, (error: DomainError) => error);

    expect(refused).toMatchObject({ code: ErrorCode.UPSTREAM_FAILED, details: { rejection: 'NOT_PLACED', retryableElsewhere: true } });
    expect(refused?.message).toContain(`runner ${runnerId} refused the call (NOT_PLACED)`);
    expect(absent).toMatchObject({ code: ErrorCode.UPSTREAM_FAILED, details: { reason: 'NO_RESPONDERS' } });
  });

  it('fails the sessions of a runner whose connection dies mid-call at once, with UPSTREAM_FAILED', async () => {
    const doomed = await enrolledRunner();
    const doomedRunner = await startRunnerProcess({ natsUrl: testEnv().natsUrl, runnerId: doomed.runnerId, creds: doomed.creds, placements: [placements[1]] });
    try {
      const sutClient = new RelayTestClient(open(FIXTURE, doomed.runnerId));
      await sutClient.initialize(CAPABILITIES);
      await sutClient.start('tools/call', { name: 'wait-for-cancel', arguments: {} });

      await doomedRunner.kill();
      const failure = await sutClient.failed(10_000);

      expect(failure).toMatchObject({ code: ErrorCode.UPSTREAM_FAILED, details: { runnerId: doomed.runnerId, reason: 'RUNNER_LOST' } });
      expect(failure.message).toMatch(new RegExp(`^runner ${doomed.runnerId} disconnected`));
      await expect(sutClient.session.send({ jsonrpc: '2.0', id: 99, method: 'ping' })).rejects.toBe(failure);
    } finally {
      await doomedRunner.stop();
    }
  });
});
