import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { RUNNER_PROTOCOL_VERSION, type JsonRpcMessage, type UpstreamMessage } from '@switchyard/protocol';
import type { CallHandler } from '../src/relay/call-handler.js';
import type { Placement } from '../src/supervisor/placement.js';
import type { ServerSupervisor } from '../src/supervisor/server-supervisor.js';
import { EVERYTHING_ENTRY, initializeRequest, startRelayRig, type ControlPlaneProbe, type RelayRig } from './relay-fixtures.js';
import { capturingLogger, stdioPlacement } from './supervisor-fixtures.js';
import { waitFor } from './wait-for.js';

// Stateless versions on the runner: one stdio process, one upstream connection, many client
// sessions at once. In-process call handler over the run's nats-server, the control plane a raw
// NATS connection (ControlPlaneProbe), real stdio servers: server-everything and
// fixtures/shared-fixture-server.mjs.
jest.setTimeout(60_000);

const SHARED_FIXTURE = fileURLToPath(new URL('./fixtures/shared-fixture-server.mjs', import.meta.url));
const everything = (stateless = true): Placement => stdioPlacement({ serverName: 'everything', launch: { command: 'node', args: [EVERYTHING_ENTRY, 'stdio'], stateless } });
const fixture = (): Placement => stdioPlacement({ serverName: 'shared-fixture', launch: { command: 'node', args: [SHARED_FIXTURE], stateless: true } });

const initialized: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/initialized' };
const callTool = (id: number, name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) },
});
const textOf = (message: UpstreamMessage): string => JSON.stringify(message.kind === 'message' ? message.message : message);
const isMethod = (method: string) => (m: UpstreamMessage) => m.kind === 'message' && 'method' in m.message && m.message.method === method;
const isLog = (data: string) => (m: UpstreamMessage) => isMethod('notifications/message')(m) && m.kind === 'message' && 'params' in m.message && m.message.params?.data === data;

/** Child processes of this test process running `script`: the server processes the supervisor started. */
function serverProcesses(script: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(script)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

describe('runner relay: sessions sharing one upstream connection (stateless versions)', () => {
  let rig: RelayRig;
  let probe: ControlPlaneProbe;
  let supervisor: ServerSupervisor;
  let sut: CallHandler;

  const target = (placement: Placement) => ({ sessionId: randomUUID(), deploymentId: placement.deploymentId, versionId: placement.versionId });
  type Target = ReturnType<typeof target>;

  /** A session that has done the MCP handshake (with the client's request id 1). */
  const openSession = async (placement: Placement, protocolVersion?: string): Promise<Target & { init: UpstreamMessage }> => {
    const session = target(placement);
    const request = initializeRequest(1, { roots: { listChanged: true }, sampling: {} });
    if (protocolVersion !== undefined && 'params' in request && request.params) request.params.protocolVersion = protocolVersion;
    await expect(probe.call(session, request)).resolves.toMatchObject({ status: 'accepted' });
    const init = await probe.response(session.sessionId, 1);
    await expect(probe.call(session, initialized)).resolves.toMatchObject({ status: 'accepted' });
    return { ...session, init };
  };

  const closeSession = (session: Target) => sut.control({ v: RUNNER_PROTOCOL_VERSION, type: 'close-session', sessionId: session.sessionId, reason: 'client ended the session' });
  const pidOf = (placement: Placement) => supervisor.status().find((s) => s.deploymentId === placement.deploymentId)?.pid;

  beforeEach(async () => {
    rig = await startRelayRig(capturingLogger().logger);
    ({ probe, supervisor, sut } = rig);
  });

  afterEach(() => rig.close());

  it('serves two sessions at once on one server-everything process: the same request ids, each its own answers', async () => {
    const placement = everything();
    await supervisor.apply([placement]);
    const pid = pidOf(placement);

    const [a, b] = await Promise.all([openSession(placement), openSession(placement)]);
    await Promise.all([
      probe.call(a, callTool(2, 'echo', { message: 'for session a' }), { callId: 'a-echo' }),
      probe.call(b, callTool(2, 'echo', { message: 'for session b' }), { callId: 'b-echo' }),
    ]);
    const [echoA, echoB] = await Promise.all([probe.response(a.sessionId, 2), probe.response(b.sessionId, 2)]);

    expect(a.init.kind === 'message' && a.init.message).toEqual(b.init.kind === 'message' && b.init.message);
    expect(echoA).toMatchObject({ callId: 'a-echo', message: { id: 2, result: { content: [{ type: 'text', text: 'Echo: for session a' }] } } });
    expect(echoB).toMatchObject({ callId: 'b-echo', message: { id: 2, result: { content: [{ type: 'text', text: 'Echo: for session b' }] } } });
    for (const session of [a, b]) expect(probe.of(session.sessionId).filter((m) => 'id' in (m.kind === 'message' ? m.message : {}))).toHaveLength(2);
    expect(sut.openSessions()).toBe(2);
    expect(pidOf(placement)).toBe(pid);
    expect(serverProcesses(EVERYTHING_ENTRY)).toEqual([pid]);
  });

  it('serves ten sessions at once, each echo answered to its own session under the same id, on one process', async () => {
    const placement = everything();
    await supervisor.apply([placement]);

    const sessions = await Promise.all(Array.from({ length: 10 }, () => openSession(placement)));
    await Promise.all(sessions.map((session, index) => probe.call(session, callTool(2, 'echo', { message: `session ${index}` }))));
    const answers = await Promise.all(sessions.map((session) => probe.response(session.sessionId, 2)));

    expect(answers.map((answer) => textOf(answer).match(/Echo: session (\d+)/)?.[1])).toEqual(sessions.map((_, index) => String(index)));
    expect(serverProcesses(EVERYTHING_ENTRY)).toEqual([pidOf(placement)]);
    expect(supervisor.status()).toEqual([expect.objectContaining({ state: 'RUNNING', restarts: 0 })]);
  });

  it('hands each session the progress of its own long-running operation, both using the same progressToken', async () => {
    const placement = everything();
    await supervisor.apply([placement]);
    const [a, b] = await Promise.all([openSession(placement), openSession(placement)]);

    const operation = (duration: number) => callTool(3, 'trigger-long-running-operation', { duration, steps: 4 }, { progressToken: 'progress' });
    await Promise.all([probe.call(a, operation(0.8), { callId: 'a-op' }), probe.call(b, operation(1.2), { callId: 'b-op' })]);
    const [doneA, doneB] = await Promise.all([probe.response(a.sessionId, 3), probe.response(b.sessionId, 3)]);

    const progressOf = (session: Target) => probe.of(session.sessionId).filter(isMethod('notifications/progress'));
    expect(textOf(doneA)).toContain('Duration: 0.8 seconds');
    expect(textOf(doneB)).toContain('Duration: 1.2 seconds');
    for (const [session, callId] of [
      [a, 'a-op'],
      [b, 'b-op'],
    ] as const) {
      const progress = progressOf(session);
      expect(progress.map((m) => m.callId)).toEqual([callId, callId, callId, callId]);
      expect(progress.map((m) => (m.kind === 'message' && 'params' in m.message ? m.message.params : undefined))).toEqual(
        [1, 2, 3, 4].map((step) => expect.objectContaining({ progressToken: 'progress', progress: step, total: 4 })),
      );
    }
  });

  it('cancels only the cancelling session’s request when both wait under the same request id', async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const [a, b] = await Promise.all([openSession(placement), openSession(placement)]);
    await probe.call(a, callTool(5, 'wait-for-cancel', { label: 'a' }), { callId: 'a-wait' });
    await probe.call(b, callTool(5, 'wait-for-cancel', { label: 'b' }), { callId: 'b-wait' });

    sut.control({ v: RUNNER_PROTOCOL_VERSION, type: 'cancel', callId: 'a-wait', sessionId: a.sessionId, reason: 'client went away' });
    // The server's log lines go to every session on the connection.
    await probe.waitFor(b.sessionId, isLog('cancelled a'), 'the server to cancel the request of session a');
    const inFlightAfterA = sut.inFlight();
    await probe.call(b, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5, reason: 'user pressed stop' } });
    await probe.waitFor(a.sessionId, isLog('cancelled b'), 'the server to cancel the request of session b');

    expect(inFlightAfterA).toBe(1);
    expect(probe.of(a.sessionId)).toContainEqual(expect.objectContaining({ kind: 'error', callId: 'a-wait', error: expect.objectContaining({ code: 'CANCELLED' }) }));
    expect(probe.of(b.sessionId).filter((m) => m.callId === 'b-wait')).toEqual([]);
    expect(sut.inFlight()).toBe(0);
  });

  it('keeps the other sessions working when one closes, and opens a fresh handshake once the last has gone', async () => {
    const placement = everything();
    await supervisor.apply([placement]);
    const pid = pidOf(placement);
    const [a, b] = await Promise.all([openSession(placement), openSession(placement)]);

    closeSession(a);
    await waitFor(() => sut.openSessions() === 1, 'session a to end');
    await probe.call(b, callTool(2, 'echo', { message: 'still here' }));
    const echo = await probe.response(b.sessionId, 2);
    closeSession(b);
    await waitFor(() => sut.openSessions() === 0, 'session b to end');
    const c = await openSession(placement);
    await probe.call(c, callTool(2, 'echo', { message: 'after everyone left' }));

    expect(textOf(echo)).toContain('Echo: still here');
    await expect(probe.response(c.sessionId, 2)).resolves.toMatchObject({ message: { result: { content: [{ text: 'Echo: after everyone left' }] } } });
    await expect(probe.call(a, callTool(3, 'echo', { message: 'closed' }))).resolves.toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_SESSION' } });
    expect(serverProcesses(EVERYTHING_ENTRY)).toEqual([pid]);
  });

  it('fails every sharing session’s pending calls with UPSTREAM_EXITED when the server crashes', async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const [a, b] = await Promise.all([openSession(placement), openSession(placement)]);
    await probe.call(b, callTool(4, 'wait-for-cancel', { label: 'b' }), { callId: 'b-pending' });

    await probe.call(a, callTool(4, 'crash'), { callId: 'a-crash' });

    await Promise.all([a, b].map((session) => probe.waitFor(session.sessionId, (m) => m.kind === 'closed', 'the session to close')));
    expect(probe.of(a.sessionId)).toContainEqual(expect.objectContaining({ kind: 'error', callId: 'a-crash', error: expect.objectContaining({ code: 'UPSTREAM_EXITED' }) }));
    expect(probe.of(b.sessionId)).toContainEqual(expect.objectContaining({ kind: 'error', callId: 'b-pending', error: expect.objectContaining({ code: 'UPSTREAM_EXITED' }) }));
    expect(sut.openSessions()).toBe(0);
  });

  it('answers a later client with the protocol version the server chose for the connection, and tells the server no client capabilities', async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const first = await openSession(placement);
    const older = await openSession(placement, '2024-11-05');

    await probe.call(older, callTool(2, 'client'));
    const capabilities = await probe.response(older.sessionId, 2);

    expect(older.init).toMatchObject({ message: { id: 1, result: { protocolVersion: first.init.kind === 'message' && 'result' in first.init.message ? first.init.message.result.protocolVersion : 'missing' } } });
    expect(older.init.kind === 'message' && 'result' in older.init.message && older.init.message.result.protocolVersion).not.toBe('2024-11-05');
    expect(capabilities).toMatchObject({ message: { result: { content: [{ text: '{}' }] } } });
  });

  it("answers the server's own requests itself: ping with a result, roots/list refused; no session sees them", async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const [a, b] = await Promise.all([openSession(placement), openSession(placement)]);

    await probe.call(a, callTool(2, 'ask-client', { method: 'roots/list' }));
    await probe.call(a, callTool(3, 'ask-client', { method: 'ping' }));
    const [roots, ping] = await Promise.all([probe.response(a.sessionId, 2), probe.response(a.sessionId, 3)]);

    expect(textOf(roots)).toContain('refused: MCP error -32601: roots/list is not relayed on a connection shared by several sessions');
    expect(textOf(ping)).toContain('answered: {}');
    for (const session of [a, b]) expect(probe.of(session.sessionId).filter(isMethod('roots/list'))).toEqual([]);
    for (const session of [a, b]) expect(probe.of(session.sessionId).filter(isMethod('ping'))).toEqual([]);
  });

  it('sends logging and list_changed to every session on the connection', async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const [a, b] = await Promise.all([openSession(placement), openSession(placement)]);

    await probe.call(a, callTool(2, 'notify', { data: 'for everyone' }));
    await probe.response(a.sessionId, 2);

    for (const session of [a, b]) {
      await probe.waitFor(session.sessionId, isLog('for everyone'), 'the log line');
      await probe.waitFor(session.sessionId, isMethod('notifications/tools/list_changed'), 'list_changed');
    }
    for (const session of [a, b]) expect(probe.of(session.sessionId).filter(isLog('for everyone'))).toHaveLength(1);
  });

  it('hands resources/updated only to subscribed sessions, and unsubscribes upstream when the last subscriber goes', async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const [a, b] = await Promise.all([openSession(placement), openSession(placement)]);
    const uri = 'demo://shared/1';
    const isUpdate = (m: UpstreamMessage) => isMethod('notifications/resources/updated')(m) && textOf(m).includes(uri);
    let id = 10;
    const touch = async (session: Target) => {
      const requestId = (id += 1);
      await probe.call(session, callTool(requestId, 'touch', { uri }));
      return textOf(await probe.response(session.sessionId, requestId));
    };
    const request = async (session: Target, method: string) => {
      const requestId = (id += 1);
      await probe.call(session, { jsonrpc: '2.0', id: requestId, method, params: { uri } });
      return probe.response(session.sessionId, requestId);
    };

    await request(a, 'resources/subscribe');
    const touchedOnce = await touch(b);
    await probe.waitFor(a.sessionId, isUpdate, 'the update for the subscriber');
    await request(b, 'resources/subscribe');
    const unsubscribedA = await request(a, 'resources/unsubscribe');
    const touchedAfterA = await touch(a);
    await probe.waitFor(b.sessionId, isUpdate, 'the update for the second subscriber');
    closeSession(b);
    await waitFor(() => sut.openSessions() === 1, 'session b to end');
    const touchedAfterB = await touch(a);

    expect(touchedOnce).toContain('(subscribed: yes)');
    expect(unsubscribedA).toMatchObject({ message: { result: {} } });
    expect(touchedAfterA).toContain('(subscribed: yes)'); // b still wanted it
    expect(touchedAfterB).toContain('(subscribed: no)'); // b's close unsubscribed upstream
    expect(probe.of(a.sessionId).filter(isUpdate)).toHaveLength(1);
    expect(probe.of(b.sessionId).filter(isUpdate)).toHaveLength(1);
  });

  it('still serves a stateful placement one session at a time: the second gets AT_CAPACITY', async () => {
    const placement = everything(false);
    await supervisor.apply([placement]);
    await openSession(placement);

    const second = await probe.call(target(placement), initializeRequest(1));

    expect(second).toMatchObject({ status: 'rejected', error: { code: 'AT_CAPACITY' } });
  });
});
