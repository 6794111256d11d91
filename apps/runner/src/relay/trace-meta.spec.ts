import { withTraceparent } from './trace-meta.js';

const gateway = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const client = '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01';

describe('withTraceparent', () => {
  it("adds _meta.traceparent to a request's params, keeping its arguments", () => {
    const request = { jsonrpc: '2.0' as const, id: 3, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } };
    expect(withTraceparent(request, gateway)).toEqual({ ...request, params: { name: 'echo', arguments: { message: 'hi' }, _meta: { traceparent: gateway } } });
  });

  it('creates params for a request without any (ping)', () => {
    expect(withTraceparent({ jsonrpc: '2.0', id: 1, method: 'ping' }, gateway)).toEqual({ jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { traceparent: gateway } } });
  });

  it("replaces the client's traceparent with the gateway's, keeping the rest of _meta", () => {
    const request = { jsonrpc: '2.0' as const, id: 'a', method: 'tools/call', params: { name: 'x', _meta: { traceparent: client, tracestate: 'vendor=1', progressToken: 'p' } } };
    expect(withTraceparent(request, gateway).params?._meta).toEqual({ traceparent: gateway, tracestate: 'vendor=1', progressToken: 'p' });
  });

  it('leaves the request given untouched', () => {
    const request = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'x', _meta: { progressToken: 'p' } } };
    const before = structuredClone(request);
    withTraceparent(request, gateway);
    expect(request).toEqual(before);
  });

  it('passes a request whose _meta is not an object on unchanged', () => {
    const request = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'x', _meta: 'oops' } };
    expect(withTraceparent(request, gateway)).toBe(request);
  });
});
