import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import { NATS_DEFAULT_MAX_PAYLOAD, RUNNER_PROTOCOL_VERSION, subjects, type UpstreamMessage } from '@switchyard/protocol';
import type { CallHandler } from '../src/relay/call-handler.js';
import type { Placement } from '../src/supervisor/placement.js';
import type { ServerSupervisor } from '../src/supervisor/server-supervisor.js';
import { EVERYTHING_ENTRY, initializeRequest, largeText, RELAY_FIXTURE_SERVER, startRelayRig, type ControlPlaneProbe, type RelayRig } from './relay-fixtures.js';
import { capturingLogger, stdioPlacement } from './supervisor-fixtures.js';
import { waitFor } from './wait-for.js';

// The runner's side of the relay, in this process, against the run's nats-server (operator mode,
// default max_payload) with a runner JWT of exactly the runner's permissions; the control plane is
// a raw NATS connection (ControlPlaneProbe). The servers are real stdio MCP servers.
jest.setTimeout(30_000);

const everything = (): Placement => stdioPlacement({ serverName: 'everything', launch: { command: 'node', args: [EVERYTHING_ENTRY, 'stdio'] } });
const fixture = (): Placement => stdioPlacement({ serverName: 'relay-fixture', launch: { command: 'node', args: [RELAY_FIXTURE_SERVER] } });
const initialized = { jsonrpc: '2.0' as const, method: 'notifications/initialized' };
const textOf = (message: UpstreamMessage): string => JSON.stringify(message.kind === 'message' ? message.message : message);
const isLog = (data: string) => (m: UpstreamMessage) => m.kind === 'message' && 'method' in m.message && m.message.method === 'notifications/message' && m.message.params?.data === data;

describe('runner call handler (relay) over NATS', () => {
  let rig: RelayRig;
  let runnerId: string;
  let runnerNats: NatsConnection;
  let cpNats: NatsConnection;
  let probe: ControlPlaneProbe;
  let supervisor: ServerSupervisor;
  let log: ReturnType<typeof capturingLogger>;
  let sut: CallHandler;

  const target = (placement: Placement, sessionId = randomUUID()) => ({ sessionId, deploymentId: placement.deploymentId, versionId: placement.versionId });

  /** A session that has done the MCP handshake. */
  const openSession = async (placement: Placement, capabilities: Record<string, unknown> = {}) => {
    const session = target(placement);
    await expect(probe.call(session, initializeRequest(1, capabilities))).resolves.toMatchObject({ status: 'accepted' });
    await probe.response(session.sessionId, 1);
    await expect(probe.call(session, initialized)).resolves.toMatchObject({ status: 'accepted' });
    return session;
  };

  beforeEach(async () => {
    log = capturingLogger();
    rig = await startRelayRig(log.logger);
    ({ runnerId, runnerNats, cpNats, probe, supervisor, sut } = rig);
  });

  afterEach(() => rig.close());

  it('relays initialize, tools/list and tools/call to server-everything, answers tagged with their call, seq 0, 1, 2…', async () => {
    const placement = everything();
    await supervisor.apply([placement]);
    const session = target(placement);

    const initAck = await probe.call(session, initializeRequest(1), { callId: 'call-init' });
    const init = await probe.response(session.sessionId, 1);
    await probe.call(session, initialized);
    await probe.call(session, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { callId: 'call-list' });
    const list = await probe.response(session.sessionId, 2);
    await probe.call(session, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { message: 'through NATS' } } }, { callId: 'call-echo' });
    const echo = await probe.response(session.sessionId, 3);

    expect(initAck).toEqual({ v: RUNNER_PROTOCOL_VERSION, callId: 'call-init', status: 'accepted' });
    expect(init).toMatchObject({ callId: 'call-init', message: { result: { serverInfo: { name: expect.any(String) } } } });
    expect(list.callId).toBe('call-list');
    expect(textOf(list)).toContain('"name":"echo"');
    expect(echo).toMatchObject({ callId: 'call-echo', message: { result: { content: [{ type: 'text', text: 'Echo: through NATS' }] } } });
    const seqs = probe.of(session.sessionId).map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, index) => index));
  });

  it('refuses what it cannot serve: NOT_PLACED, another version, UNKNOWN_SESSION, NOT_RUNNING', async () => {
    const placed = everything();
    const failed = stdioPlacement({ launch: { command: 'no-such-mcp-server-binary' } });
    await supervisor.apply([placed, failed]);

    const notPlaced = await probe.call({ sessionId: randomUUID(), deploymentId: 'not-here', versionId: 'v' }, initializeRequest(1));
    const otherVersion = await probe.call({ ...target(placed), versionId: 'ver-2' }, initializeRequest(1));
    const unknown = await probe.call(target(placed), { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const notRunning = await probe.call(target(failed), initializeRequest(1));

    expect(notPlaced).toMatchObject({ status: 'rejected', error: { code: 'NOT_PLACED' } });
    expect(otherVersion).toMatchObject({ status: 'rejected', error: { code: 'NOT_PLACED', message: expect.stringContaining('runs version ver-1') } });
    expect(unknown).toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_SESSION' } });
    expect(notRunning).toMatchObject({ status: 'rejected', error: { code: 'NOT_RUNNING', message: expect.stringContaining('FAILED') } });
  });

  it('serves one session per stdio server: a second gets AT_CAPACITY until close-session releases the first', async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const first = await openSession(placement);
    const second = target(placement);

    const busy = await probe.call(second, initializeRequest(1));
    sut.control({ v: RUNNER_PROTOCOL_VERSION, type: 'close-session', sessionId: first.sessionId, reason: 'client ended the session' });
    const claimed = await waitFor(async () => {
      const ack = await probe.call({ ...second, sessionId: randomUUID() }, initializeRequest(1));
      return ack.status === 'accepted' ? ack : undefined;
    }, 'a new session to claim the released server');
    const afterClose = await probe.call(first, { jsonrpc: '2.0', id: 2, method: 'tools/list' });

    expect(busy).toMatchObject({ status: 'rejected', error: { code: 'AT_CAPACITY', message: expect.stringContaining('one session at a time') } });
    expect(claimed.status).toBe('accepted');
    expect(afterClose).toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_SESSION' } });
  });

  it('while draining takes no new session or request, but still passes notifications', async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const session = await openSession(placement);

    sut.drain();
    const newSession = await probe.call(target(placement), initializeRequest(1));
    const newRequest = await probe.call(session, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const notification = await probe.call(session, { jsonrpc: '2.0', method: 'notifications/roots/list_changed' });

    expect(sut.isDraining()).toBe(true);
    expect(newSession).toMatchObject({ status: 'rejected', error: { code: 'DRAINING' } });
    expect(newRequest).toMatchObject({ status: 'rejected', error: { code: 'DRAINING' } });
    expect(notification.status).toBe('accepted');
  });

  it("never hands the next session on a stdio server an answer meant for the previous one (same request id)", async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const first = await openSession(placement);
    await probe.call(first, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'slow', arguments: { ms: 400, message: 'for the first session' } } });
    // The client goes away without cancelling; the server answers later, onto the same stdio.
    sut.control({ v: RUNNER_PROTOCOL_VERSION, type: 'close-session', sessionId: first.sessionId, reason: 'client ended the session' });
    await waitFor(() => sut.openSessions() === 0, 'the first session released');

    const second = await openSession(placement);
    await probe.call(second, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'slow', arguments: { ms: 800, message: 'for the second session' } } });
    const answer = await probe.response(second.sessionId, 2);

    expect(textOf(answer)).toContain('Slow: for the second session');
    expect(probe.of(second.sessionId).filter((m) => textOf(m).includes('for the first session'))).toEqual([]);
  });

  it('sends a 5 MB result as chunk frames under the default 1 MB max_payload, reassembled intact', async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const session = await openSession(placement);
    const bytes = 5 * 1024 * 1024;

    await probe.call(session, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'large', arguments: { bytes } } }, { callId: 'call-large' });
    const result = await probe.response(session.sessionId, 2);

    expect(runnerNats.info?.max_payload).toBe(NATS_DEFAULT_MAX_PAYLOAD);
    expect(probe.frames).toBeGreaterThanOrEqual(6);
    expect(result.callId).toBe('call-large');
    expect(result.message).toMatchObject({ result: { content: [{ type: 'text' }] } });
    const content = 'result' in result.message ? (result.message.result.content as Array<{ text?: string }>) : [];
    const text = content[0]?.text;
    expect(text?.length).toBe(bytes);
    expect(text === largeText(bytes)).toBe(true);
  });

  it('forwards a cancel from the control plane as MCP cancellation and reports the call CANCELLED', async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const session = await openSession(placement);
    await probe.call(session, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'wait-for-cancel', arguments: { label: '7' } } }, { callId: 'call-wait' });

    sut.control({ v: RUNNER_PROTOCOL_VERSION, type: 'cancel', callId: 'call-wait', sessionId: session.sessionId, reason: 'client went away' });

    await expect(probe.waitFor(session.sessionId, isLog('cancelled 7'), 'the server to see the cancellation')).resolves.toBeDefined();
    expect(probe.of(session.sessionId)).toContainEqual(expect.objectContaining({ kind: 'error', callId: 'call-wait', error: { code: 'CANCELLED', message: 'cancelled: client went away' } }));
    expect(sut.inFlight()).toBe(0);
  });

  it("passes the client's own notifications/cancelled to the server", async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const session = await openSession(placement);
    await probe.call(session, { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'wait-for-cancel', arguments: { label: '8' } } });
    expect(sut.inFlight()).toBe(1);

    await probe.call(session, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 8, reason: 'user pressed stop' } });

    await expect(probe.waitFor(session.sessionId, isLog('cancelled 8'), 'the server to see the cancellation')).resolves.toBeDefined();
    expect(sut.inFlight()).toBe(0);
  });

  it('cancels a call upstream when its deadline passes', async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const session = await openSession(placement);

    await probe.call(session, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'wait-for-cancel', arguments: { label: '9' } } }, { callId: 'call-deadline', deadline: new Date(Date.now() + 300).toISOString() });

    await expect(probe.waitFor(session.sessionId, isLog('cancelled 9'), 'the deadline to cancel the call')).resolves.toBeDefined();
    expect(probe.of(session.sessionId)).toContainEqual(expect.objectContaining({ kind: 'error', callId: 'call-deadline', error: expect.objectContaining({ code: 'CANCELLED' }) }));
  });

  it('relays a server → client request (roots/list) and the client’s answer to it', async () => {
    const placement = everything();
    await supervisor.apply([placement]);
    const session = await openSession(placement, { roots: { listChanged: true } });

    const request = await probe.waitFor(session.sessionId, (m) => m.kind === 'message' && 'method' in m.message && m.message.method === 'roots/list', 'the server to ask for roots');
    const id = request.kind === 'message' && 'id' in request.message ? request.message.id : undefined;
    const answer = await probe.call(session, { jsonrpc: '2.0', id: id ?? 'missing', result: { roots: [{ uri: 'file:///tmp', name: 'tmp' }] } });

    expect(request.callId).toBeUndefined(); // the session's, not a call's
    expect(answer.status).toBe('accepted');
    await expect(probe.waitFor(session.sessionId, isLog('Roots updated: 1 root(s) received from client'), 'the server to take the roots')).resolves.toBeDefined();
  });

  it('reports UPSTREAM_EXITED for the call in flight and closes the session when the server crashes', async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const session = await openSession(placement);

    await probe.call(session, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'crash', arguments: {} } }, { callId: 'call-crash' });

    const closed = await probe.waitFor(session.sessionId, (m) => m.kind === 'closed', 'the session to close');
    const messages = probe.of(session.sessionId);
    expect(messages).toContainEqual(expect.objectContaining({ kind: 'error', callId: 'call-crash', error: expect.objectContaining({ code: 'UPSTREAM_EXITED' }) }));
    expect(closed.seq).toBe(messages.length - 1);
    await expect(probe.call(session, { jsonrpc: '2.0', id: 5, method: 'tools/list' })).resolves.toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_SESSION' } });
  });

  it('on shutdown fails the calls in flight and closes their sessions, telling the control plane', async () => {
    const placement = fixture();
    await supervisor.apply([placement]);
    const session = await openSession(placement);
    await probe.call(session, { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'wait-for-cancel', arguments: { label: '6' } } }, { callId: 'call-pending' });

    await sut.close('the runner is shutting down');

    await probe.waitFor(session.sessionId, (m) => m.kind === 'closed' && m.reason === 'the runner is shutting down', 'the session to close');
    expect(probe.of(session.sessionId)).toContainEqual(expect.objectContaining({ kind: 'error', callId: 'call-pending', error: expect.objectContaining({ code: 'INTERNAL' }) }));
    expect(sut.openSessions()).toBe(0);
  });

  it('does not acknowledge a call that does not decode, and logs none of its values', async () => {
    const bogus = { v: RUNNER_PROTOCOL_VERSION, callId: 'c-1', sessionId: 's-1', deploymentId: 'd', versionId: 'v', message: { id: 1, method: 'tools/call', params: { token: 'secret-argument-value' } } };

    const reply = cpNats.request(subjects.runCall(runnerId), JSON.stringify(bogus), { timeout: 500 });

    await expect(reply).rejects.toBeInstanceOf(TimeoutError);
    await waitFor(() => log.text().includes('refused a call that does not decode'), 'the refusal to be logged');
    expect(log.text()).toContain('message.jsonrpc');
    expect(log.text()).not.toContain('secret-argument-value');
  });
});
