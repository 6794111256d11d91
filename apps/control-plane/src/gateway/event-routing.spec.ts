import { destinationOf, type InFlight } from './event-routing.js';

const call = (id: number, over: Partial<InFlight> = {}): InFlight => ({ id, callId: `call-${id}`, streamId: `s${id}`, sse: true, ...over });
const sampling = { jsonrpc: '2.0' as const, id: 0, method: 'sampling/createMessage', params: {} };
const log = { jsonrpc: '2.0' as const, method: 'notifications/message', params: { level: 'info', data: 'x' } };

describe('destinationOf', () => {
  it('sends an answer to the stream of its request, and drops an answer nobody waits for', () => {
    const inFlight = [call(1), call(2)];

    expect(destinationOf({ jsonrpc: '2.0', id: 2, result: {} }, 'call-2', inFlight)).toEqual({ kind: 'answer', request: inFlight[1] });
    expect(destinationOf({ jsonrpc: '2.0', id: '2', result: {} }, undefined, inFlight)).toMatchObject({ kind: 'drop' });
  });

  it('sends progress to the stream of the call it reports on, by call id or progress token', () => {
    const inFlight = [call(1, { progressToken: 'p-1' }), call(2)];
    const progress = (token: string) => ({ jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progressToken: token, progress: 1 } });

    expect(destinationOf(progress('p-2'), 'call-2', inFlight)).toEqual({ kind: 'stream', streamId: 's2' });
    expect(destinationOf(progress('p-1'), undefined, inFlight)).toEqual({ kind: 'stream', streamId: 's1' });
    expect(destinationOf(progress('p-1'), undefined, [call(1, { progressToken: 'p-1', sse: false })])).toEqual({ kind: 'standalone' });
  });

  it('drops progress for a request no longer in flight instead of sending it to another stream', () => {
    const stale = { jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progressToken: 'gone', progress: 2 } };

    expect(destinationOf(stale, undefined, [call(1)])).toMatchObject({ kind: 'drop' });
  });

  it('sends unrelated messages to the only open SSE request stream, else to the standalone stream', () => {
    expect(destinationOf(sampling, undefined, [call(1)])).toEqual({ kind: 'stream', streamId: 's1' });
    expect(destinationOf(log, undefined, [call(1), call(2, { sse: false })])).toEqual({ kind: 'stream', streamId: 's1' });
    expect(destinationOf(sampling, undefined, [call(1), call(2)])).toEqual({ kind: 'standalone' });
    expect(destinationOf(log, undefined, [])).toEqual({ kind: 'standalone' });
  });
});
