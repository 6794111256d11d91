import { upstreamMessageSchema } from './upstream.js';

const base = { v: 1, sessionId: 's-1', callId: 'c-1', seq: 0 };

describe('upstream messages on sy.cp.<id>.msg', () => {
  it.each([
    ['a result', { ...base, kind: 'message', message: { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'hi' }] } } }],
    ['progress', { ...base, kind: 'message', message: { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 0.5 } } }],
    ['a server → client request without a call', { v: 1, sessionId: 's-1', seq: 3, kind: 'message', message: { jsonrpc: '2.0', id: 'srv-1', method: 'sampling/createMessage', params: {} } }],
    ['the end of a session', { ...base, kind: 'closed', reason: 'upstream exited with code 0' }],
    ['a relay error', { ...base, kind: 'error', error: { code: 'UPSTREAM_EXITED', message: 'exited with signal SIGKILL' } }],
  ])('accepts %s', (_, message) => {
    expect(upstreamMessageSchema.parse(message)).toEqual(message);
  });

  it.each([
    ['an unknown kind', { ...base, kind: 'log' }],
    ['a message kind without message', { ...base, kind: 'message' }],
    ['an error without error details', { ...base, kind: 'error' }],
    ['an error code outside the list', { ...base, kind: 'error', error: { code: 'OOPS', message: 'm' } }],
    ['a negative seq', { ...base, seq: -1, kind: 'closed' }],
    ['a session id that is not a token', { ...base, sessionId: 'a b', kind: 'closed' }],
  ])('refuses %s', (_, message) => {
    expect(upstreamMessageSchema.safeParse(message).success).toBe(false);
  });
});
