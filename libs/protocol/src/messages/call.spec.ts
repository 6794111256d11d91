import { callAckSchema, callEnvelopeSchema, callMessageSchema } from './call.js';

const call = {
  v: 1,
  callId: 'c-1',
  sessionId: 's-1',
  deploymentId: 'd-1',
  versionId: 'v-1',
  message: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } },
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  deadline: '2030-01-01T00:05:00.000Z',
};

function problems(value: unknown): string[] {
  return callMessageSchema.safeParse(value).error?.issues.map((issue) => issue.path.join('.')) ?? [];
}

describe('call on sy.run.<id>.call', () => {
  it('accepts a request, a notification and a client answer to a server request', () => {
    expect(callMessageSchema.parse(call)).toEqual(call);
    expect(problems({ ...call, message: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } } })).toEqual([]);
    expect(problems({ ...call, message: { jsonrpc: '2.0', id: 's-req-1', result: { action: 'accept' } } })).toEqual([]);
    const { traceparent: _t, deadline: _d, ...bare } = call;
    expect(problems(bare)).toEqual([]);
  });

  it.each([
    ['a message that is not JSON-RPC 2.0', { message: { jsonrpc: '1.0', id: 1, method: 'x' } }, 'message'],
    ['a malformed traceparent', { traceparent: '00-xyz' }, 'traceparent'],
    ['a call id with a wildcard', { callId: 'c*' }, 'callId'],
    ['no session', { sessionId: undefined }, 'sessionId'],
  ])('refuses %s', (_, change, path) => {
    expect(problems({ ...call, ...change })).toEqual([path]);
  });

  it('is acknowledged once: accepted, or rejected with a reason from a closed list', () => {
    expect(callAckSchema.safeParse({ v: 1, callId: 'c-1', status: 'accepted' }).success).toBe(true);
    expect(callAckSchema.safeParse({ v: 1, callId: 'c-1', status: 'rejected', error: { code: 'AT_CAPACITY', message: '8 of 8 in flight' } }).success).toBe(true);
    expect(callAckSchema.safeParse({ v: 1, callId: 'c-1', status: 'rejected', error: { code: 'BUSY', message: 'x' } }).success).toBe(false);
    expect(callAckSchema.safeParse({ v: 1, callId: 'c-1', status: 'rejected' }).success).toBe(false);
  });
});

describe('callEnvelopeSchema (a sender whose message is valid already)', () => {
  const envelope = { v: 1, callId: 'c-1', sessionId: 's-1', deploymentId: 'd-1', versionId: 'v-1' };

  it('checks the envelope as callMessageSchema does', () => {
    expect(callEnvelopeSchema.safeParse({ ...envelope, message: { jsonrpc: '2.0', id: 1, method: 'ping' } }).success).toBe(true);
    expect(callEnvelopeSchema.safeParse({ ...envelope, callId: '', message: { jsonrpc: '2.0', id: 1, method: 'ping' } }).success).toBe(false);
    expect(callEnvelopeSchema.safeParse({ ...envelope, v: 99, message: { jsonrpc: '2.0', id: 1, method: 'ping' } }).success).toBe(false);
  });

  it('does not walk the message a second time (the receiver does, with callMessageSchema)', () => {
    const notJsonRpc = { ...envelope, message: { hello: 'world' } };
    expect(callEnvelopeSchema.safeParse(notJsonRpc).success).toBe(true);
    expect(callMessageSchema.safeParse(notJsonRpc).success).toBe(false);
  });
});
