import { jsonRpcMessageSchema } from './json-rpc.js';

const accepts = (value: unknown) => jsonRpcMessageSchema.safeParse(value).success;

describe('jsonRpcMessageSchema', () => {
  it.each([
    ['a request', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } }],
    ['a request with a string id and no params', { jsonrpc: '2.0', id: 'r-1', method: 'ping' }],
    ['a notification', { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1 } }],
    ['a result', { jsonrpc: '2.0', id: 1, result: { content: [], _meta: { x: 1 } } }],
    ['an error', { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } }],
    ['an error with data and without id (parse error)', { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error', data: 'x' } }],
  ])('accepts %s', (_, message) => {
    expect(accepts(message)).toBe(true);
  });

  it('passes params, result and error members through untouched', () => {
    const request = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: { progressToken: 7 }, extra: [1, { a: null }] } };
    expect(jsonRpcMessageSchema.parse(request)).toEqual(request);
    const error = { jsonrpc: '2.0', id: 2, error: { code: 1, message: 'm', vendorField: true } };
    expect(jsonRpcMessageSchema.parse(error)).toEqual(error);
  });

  it.each([
    ['another JSON-RPC version', { jsonrpc: '1.0', id: 1, method: 'ping' }],
    ['no jsonrpc member', { id: 1, method: 'ping' }],
    ['a null id (MCP forbids it)', { jsonrpc: '2.0', id: null, method: 'ping' }],
    ['a fractional id', { jsonrpc: '2.0', id: 1.5, result: {} }],
    ['both method and result', { jsonrpc: '2.0', id: 1, method: 'ping', result: {} }],
    ['both result and error', { jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'm' } }],
    ['a result without id', { jsonrpc: '2.0', result: {} }],
    ['params as an array (MCP params are objects)', { jsonrpc: '2.0', id: 1, method: 'x', params: [1] }],
    ['a result that is not an object', { jsonrpc: '2.0', id: 1, result: 'ok' }],
    ['an error without a code', { jsonrpc: '2.0', id: 1, error: { message: 'm' } }],
    ['an unknown top-level member', { jsonrpc: '2.0', id: 1, method: 'ping', sessionId: 's' }],
    ['an empty method', { jsonrpc: '2.0', method: '' }],
    ['an array (batches are not MCP)', [{ jsonrpc: '2.0', method: 'ping' }]],
  ])('refuses %s', (_, message) => {
    expect(accepts(message)).toBe(false);
  });
});
