import { DomainError, ErrorCode, RUNNER_PROTOCOL_VERSION, type CallAck, type CallMessage, type CancelMessage, type CloseSessionMessage, type UpstreamMessage } from '@switchyard/protocol';
import { RelaySession, type RelayEvent, type SessionLink } from './relay-session.js';

const target = { sessionId: 'sess-1', deploymentId: 'dep-1', versionId: 'ver-1' };
const v = RUNNER_PROTOCOL_VERSION;
const upstream = (seq: number, id: number, callId?: string): UpstreamMessage => ({
  v,
  sessionId: target.sessionId,
  seq,
  kind: 'message',
  ...(callId ? { callId } : {}),
  message: { jsonrpc: '2.0', id, result: {} },
});

/** A link whose runner acknowledges with `ack` (or never, when it is undefined). */
function fakeLink(ack: (call: CallMessage) => CallAck | undefined = (call) => ({ v, callId: call.callId, status: 'accepted' })) {
  const controls: Array<CancelMessage | CloseSessionMessage> = [];
  const forgotten: RelaySession[] = [];
  const calls: CallMessage[] = [];
  const link: SessionLink = {
    request: (_runnerId, call) => {
      calls.push(call);
      const answer = ack(call);
      return answer ? Promise.resolve(answer) : new Promise<CallAck>(() => undefined);
    },
    publishControl: (_runnerId, message) => void controls.push(message),
    forget: (session) => void forgotten.push(session),
  };
  return { link, controls, forgotten, calls };
}

async function read(session: RelaySession, count: number): Promise<RelayEvent[]> {
  const events: RelayEvent[] = [];
  for await (const event of session.messages) {
    events.push(event);
    if (events.length === count) break;
  }
  return events;
}

const limits = { maxBuffered: 100, gapTimeoutMs: 50 };

describe('RelaySession', () => {
  it('sends a call with the session target and resolves with its call id once accepted', async () => {
    const { link, calls } = fakeLink();
    const sut = new RelaySession('run-1', target, link, limits);

    const sent = await sut.send({ jsonrpc: '2.0', id: 1, method: 'ping' }, { callId: 'call-1', deadline: new Date('2030-01-01T00:00:00Z') });

    expect(sent).toEqual({ callId: 'call-1' });
    expect(calls[0]).toEqual({ v, callId: 'call-1', ...target, message: { jsonrpc: '2.0', id: 1, method: 'ping' }, deadline: '2030-01-01T00:00:00.000Z' });
  });

  it("turns the runner's rejection into UPSTREAM_FAILED naming the runner and its code", async () => {
    const { link } = fakeLink((call) => ({ v, callId: call.callId, status: 'rejected', error: { code: 'AT_CAPACITY', message: 'busy' } }));
    const sut = new RelaySession('run-1', target, link, limits);

    await expect(sut.send({ jsonrpc: '2.0', id: 1, method: 'initialize' })).rejects.toMatchObject({
      code: ErrorCode.UPSTREAM_FAILED,
      message: 'runner run-1 refused the call (AT_CAPACITY): busy',
      details: { rejection: 'AT_CAPACITY', retryableElsewhere: true },
    });
  });

  it('yields upstream messages in seq order, repeats dropped, per-call errors as call-failed', async () => {
    const sut = new RelaySession('run-1', target, fakeLink().link, limits);

    sut.accept(upstream(1, 11, 'call-b'));
    sut.accept(upstream(0, 10, 'call-a'));
    sut.accept(upstream(0, 10, 'call-a'));
    sut.accept({ v, sessionId: target.sessionId, seq: 2, kind: 'error', callId: 'call-c', error: { code: 'CANCELLED', message: 'cancelled: stop' } });

    await expect(read(sut, 3)).resolves.toEqual([
      { type: 'message', callId: 'call-a', message: { jsonrpc: '2.0', id: 10, result: {} } },
      { type: 'message', callId: 'call-b', message: { jsonrpc: '2.0', id: 11, result: {} } },
      { type: 'call-failed', callId: 'call-c', code: 'CANCELLED', message: 'cancelled: stop' },
    ]);
  });

  it('fails when the upstream session closes, after what came before it', async () => {
    const { link, forgotten, controls } = fakeLink();
    const sut = new RelaySession('run-1', target, link, limits);
    await sut.send({ jsonrpc: '2.0', id: 1, method: 'initialize' });

    sut.accept(upstream(0, 1));
    sut.accept({ v, sessionId: target.sessionId, seq: 1, kind: 'closed', reason: 'server exited with code 3' });
    const seen: RelayEvent[] = [];
    const reading = (async () => {
      for await (const event of sut.messages) seen.push(event);
    })();

    await expect(reading).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_FAILED, message: "the server's session ended on runner run-1: server exited with code 3" });
    expect(seen).toHaveLength(1);
    expect(forgotten).toEqual([sut]);
    expect(controls).toEqual([]); // the runner already forgot the session
    await expect(sut.send({ jsonrpc: '2.0', id: 2, method: 'ping' })).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_FAILED });
  });

  it('rejects a send still waiting for its ack when the session fails', async () => {
    const sut = new RelaySession('run-1', target, fakeLink(() => undefined).link, limits);
    const sending = sut.send({ jsonrpc: '2.0', id: 1, method: 'initialize' });

    sut.fail(new DomainError(ErrorCode.UPSTREAM_FAILED, 'runner run-1 disconnected: Client Closed'), { releaseUpstream: false });

    await expect(sending).rejects.toThrow('runner run-1 disconnected: Client Closed');
  });

  it('fails when a gap in seq does not close in time (a message NATS lost)', async () => {
    const { link, controls } = fakeLink();
    const sut = new RelaySession('run-1', target, link, limits);
    await sut.send({ jsonrpc: '2.0', id: 1, method: 'initialize' });
    const reading = read(sut, 1);

    sut.accept(upstream(1, 11));

    await expect(reading).rejects.toThrow('relay session sess-1: upstream message 0 never arrived');
    expect(controls).toEqual([expect.objectContaining({ type: 'close-session', sessionId: 'sess-1' })]);
  });

  it('fails when its reader falls too far behind, rather than buffer without bound', async () => {
    const sut = new RelaySession('run-1', target, fakeLink().link, { ...limits, maxBuffered: 2 });

    for (let seq = 0; seq < 3; seq++) sut.accept(upstream(seq, seq));

    expect(sut.isOpen).toBe(false);
    await expect(read(sut, 3)).rejects.toThrow(/more than 2 messages unread/);
  });

  it('closes: the reader ends, and the runner releases the upstream only if it ever took a call', async () => {
    const withCall = fakeLink();
    const used = new RelaySession('run-1', target, withCall.link, limits);
    await used.send({ jsonrpc: '2.0', id: 1, method: 'initialize' });
    const unused = fakeLink();
    const idle = new RelaySession('run-1', target, unused.link, limits);

    used.close('client ended the session');
    idle.close();

    await expect(read(used, 1)).resolves.toEqual([]);
    expect(withCall.controls).toEqual([{ v, type: 'close-session', sessionId: 'sess-1', reason: 'client ended the session' }]);
    expect(unused.controls).toEqual([]);
    expect(() => used.cancel('call-1', 'late')).toThrow(/is closed/);
  });

  it('cancels a call through the control subject', () => {
    const { link, controls } = fakeLink();
    const sut = new RelaySession('run-1', target, link, limits);

    sut.cancel('call-1', 'client went away');

    expect(controls).toEqual([{ v, type: 'cancel', callId: 'call-1', sessionId: 'sess-1', reason: 'client went away' }]);
  });
});
