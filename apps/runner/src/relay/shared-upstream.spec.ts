import type { JsonRpcMessage } from '@switchyard/protocol';
import { serverRequestAnswer, SharedUpstream, type SessionShare } from './shared-upstream.js';

const initialize = (id: number, protocolVersion = '2025-11-25'): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion, capabilities: { sampling: {}, roots: { listChanged: true } }, clientInfo: { name: 'client', version: '1' } },
});
const initialized: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/initialized' };
const initResult = { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'server', version: '1' } };
const request = (id: number, method: string, params: Record<string, unknown> = {}): JsonRpcMessage => ({ jsonrpc: '2.0', id, method, params });
const updated = (uri: string): JsonRpcMessage => ({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri } });
const log: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'hello' } };

/** A session that did the whole handshake upstream (the first on the connection). */
async function handshaken(upstream: SharedUpstream): Promise<SessionShare> {
  const session = upstream.join();
  await session.outgoing(initialize(1));
  session.incoming({ jsonrpc: '2.0', id: 1, result: initResult });
  await session.outgoing(initialized);
  return session;
}

describe('SharedUpstream', () => {
  it('sends the first initialize upstream with empty client capabilities, and answers later ones from its result with their own id', async () => {
    const upstream = new SharedUpstream();
    const first = upstream.join();
    const later = upstream.join();

    const sent = await first.outgoing(initialize(1));
    first.incoming({ jsonrpc: '2.0', id: 1, result: initResult });
    const answered = await later.outgoing(initialize(7, '2024-11-05'));

    expect(sent).toEqual({ kind: 'forward', message: { ...initialize(1), params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'client', version: '1' } } } });
    // The protocol version the server chose for the connection, whatever the later client asked.
    expect(answered).toEqual({ kind: 'answer', message: { jsonrpc: '2.0', id: 7, result: initResult } });
  });

  it('makes an initialize that arrives during the handshake wait for its answer', async () => {
    const upstream = new SharedUpstream();
    const first = upstream.join();
    const waiting = upstream.join();
    await first.outgoing(initialize(1));

    let settled = false;
    const pending = waiting.outgoing(initialize(3)).then((decision) => {
      settled = true;
      return decision;
    });
    await Promise.resolve();
    const beforeAnswer = settled;
    first.incoming({ jsonrpc: '2.0', id: 1, result: initResult });

    expect(beforeAnswer).toBe(false);
    await expect(pending).resolves.toEqual({ kind: 'answer', message: { jsonrpc: '2.0', id: 3, result: initResult } });
  });

  it('lets a waiting session send its own initialize when the handshake fails or its session leaves', async () => {
    const upstream = new SharedUpstream();
    const failing = upstream.join();
    const leaving = upstream.join();
    const third = upstream.join();
    await failing.outgoing(initialize(1));
    const second = leaving.outgoing(initialize(2));
    failing.incoming({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad' } });
    const secondDecision = await second;
    const thirdDecision = third.outgoing(initialize(3));
    leaving.leave();

    expect(secondDecision.kind).toBe('forward');
    await expect(thirdDecision).resolves.toMatchObject({ kind: 'forward', message: { id: 3 } });
  });

  it('writes only the first notifications/initialized after a successful handshake', async () => {
    const upstream = new SharedUpstream();
    const first = upstream.join();
    const later = upstream.join();
    await first.outgoing(initialize(1));
    const beforeAnswer = await first.outgoing(initialized);
    first.incoming({ jsonrpc: '2.0', id: 1, result: initResult });
    await later.outgoing(initialize(1));

    const decisions = [await later.outgoing(initialized), await first.outgoing(initialized)];

    expect(beforeAnswer).toEqual({ kind: 'drop' });
    expect(decisions).toEqual([{ kind: 'forward', message: initialized }, { kind: 'drop' }]);
  });

  it('hands resources/updated only to the sessions subscribed to the URI, other notifications to all', async () => {
    const upstream = new SharedUpstream();
    const subscriber = await handshaken(upstream);
    const other = upstream.join();
    await other.outgoing(initialize(1));
    await subscriber.outgoing(request(2, 'resources/subscribe', { uri: 'demo://a' }));

    expect([subscriber.incoming(updated('demo://a')), other.incoming(updated('demo://a')), subscriber.incoming(updated('demo://b'))]).toEqual([true, false, false]);
    expect([subscriber.incoming(log), other.incoming(log)]).toEqual([true, true]);
  });

  it('holds back notifications from a session whose client has no initialize answer yet', async () => {
    const upstream = new SharedUpstream();
    await handshaken(upstream);
    const arriving = upstream.join();

    const beforeHandshake = arriving.incoming(log);
    await arriving.outgoing(initialize(1));

    expect(beforeHandshake).toBe(false);
    expect(arriving.incoming(log)).toBe(true);
  });

  it('answers an unsubscribe itself while another session still wants the URI, and forwards the last one', async () => {
    const upstream = new SharedUpstream();
    const first = await handshaken(upstream);
    const second = await handshaken(upstream);
    await first.outgoing(request(2, 'resources/subscribe', { uri: 'demo://a' }));
    await second.outgoing(request(2, 'resources/subscribe', { uri: 'demo://a' }));

    const firstUnsubscribe = await first.outgoing(request(3, 'resources/unsubscribe', { uri: 'demo://a' }));
    const secondUnsubscribe = await second.outgoing(request(4, 'resources/unsubscribe', { uri: 'demo://a' }));

    expect(firstUnsubscribe).toEqual({ kind: 'answer', message: { jsonrpc: '2.0', id: 3, result: {} } });
    expect(secondUnsubscribe).toEqual({ kind: 'forward', message: request(4, 'resources/unsubscribe', { uri: 'demo://a' }) });
    expect(first.incoming(updated('demo://a'))).toBe(false);
  });

  it('returns on leave the URIs that no other session subscribes to', async () => {
    const upstream = new SharedUpstream();
    const leaving = await handshaken(upstream);
    const staying = await handshaken(upstream);
    await leaving.outgoing(request(2, 'resources/subscribe', { uri: 'demo://shared' }));
    await leaving.outgoing(request(3, 'resources/subscribe', { uri: 'demo://own' }));
    await staying.outgoing(request(2, 'resources/subscribe', { uri: 'demo://shared' }));

    expect(leaving.leave()).toEqual(['demo://own']);
    expect(leaving.leave()).toEqual([]);
    expect(staying.incoming(updated('demo://shared'))).toBe(true);
  });

  it("drops the server's requests and cancellations in every session (the runner answers those once)", async () => {
    const session = await handshaken(new SharedUpstream());

    expect(session.incoming(request(9, 'sampling/createMessage'))).toBe(false);
    expect(session.incoming({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } })).toBe(false);
    expect(session.incoming({ jsonrpc: '2.0', id: 5, result: {} })).toBe(true);
  });
});

describe('serverRequestAnswer', () => {
  it('answers ping, refuses sampling, elicitation and roots with method not found, ignores the rest', () => {
    expect(serverRequestAnswer(request(1, 'ping'))).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    for (const method of ['sampling/createMessage', 'elicitation/create', 'roots/list']) {
      expect(serverRequestAnswer(request(2, method))).toEqual({ jsonrpc: '2.0', id: 2, error: { code: -32601, message: expect.stringContaining(method) } });
    }
    expect(serverRequestAnswer(log)).toBeUndefined();
    expect(serverRequestAnswer({ jsonrpc: '2.0', id: 3, result: {} })).toBeUndefined();
  });
});
