import { CallCorrelation } from './call-correlation.js';

const request = (id: number | string, progressToken?: string) => ({
  jsonrpc: '2.0' as const,
  id,
  method: 'tools/call',
  params: { name: 'echo', ...(progressToken ? { _meta: { progressToken } } : {}) },
});

describe('CallCorrelation', () => {
  it("remembers a pending call's trace context until the call is answered", () => {
    const sut = new CallCorrelation();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    sut.track('call-traced', request(1), traceparent);
    sut.track('call-untraced', request(2));

    expect([sut.traceparentOf('call-traced'), sut.traceparentOf('call-untraced')]).toEqual([traceparent, undefined]);
    sut.callOf({ jsonrpc: '2.0', id: 1, result: {} });
    expect(sut.traceparentOf('call-traced')).toBeUndefined();
  });

  it("tags a request's progress and its answer with its call id; the answer ends the call", () => {
    const sut = new CallCorrelation();
    sut.track('call-1', request(7, 'tok'));

    const progress = sut.callOf({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'tok', progress: 1 } });
    const answer = sut.callOf({ jsonrpc: '2.0', id: 7, result: {} });
    const lateProgress = sut.callOf({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'tok', progress: 2 } });

    expect([progress, answer, lateProgress]).toEqual(['call-1', 'call-1', undefined]);
    expect(sut.size).toBe(0);
  });

  it('keeps request ids 1 and "1" apart, and leaves session messages untagged', () => {
    const sut = new CallCorrelation();
    sut.track('call-number', request(1));
    sut.track('call-string', request('1'));

    expect(sut.callOf({ jsonrpc: '2.0', id: '1', error: { code: -32000, message: 'x' } })).toBe('call-string');
    expect(sut.callOf({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } })).toBeUndefined();
    expect(sut.callOf({ jsonrpc: '2.0', id: 5, method: 'sampling/createMessage', params: {} })).toBeUndefined();
    expect(sut.pendingCallIds()).toEqual(['call-number']);
  });

  it('forgets a cancelled call, so its late answer belongs to no call', () => {
    const sut = new CallCorrelation();
    sut.track('call-1', request(3));

    expect(sut.requestIdOf('call-1')).toBe(3);
    sut.forget('call-1');

    expect(sut.callOf({ jsonrpc: '2.0', id: 3, result: {} })).toBeUndefined();
  });

  it('lets a reused request id replace the call that had it', () => {
    const sut = new CallCorrelation();
    sut.track('old', request(9));
    sut.track('new', request(9));

    expect(sut.callOf({ jsonrpc: '2.0', id: 9, result: {} })).toBe('new');
    expect(sut.size).toBe(0);
  });
});
