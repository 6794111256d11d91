import type { JsonRpcMessage } from '@switchyard/protocol';
import { deliveryOf, type RoutedRequest } from './upstream-delivery.js';

const call = (over: Partial<RoutedRequest> & { name: string }) => ({ server: 'everything', upstreamId: 1, sse: true, ...over });
const sampling = { jsonrpc: '2.0', id: 0, method: 'sampling/createMessage', params: { messages: [], maxTokens: 5 } } as JsonRpcMessage;

describe('where an upstream message goes on /mcp', () => {
  it("sends a server → client request to its server's one SSE call in flight, with a server-qualified id", () => {
    const mine = call({ name: 'mine' });
    const other = call({ name: 'other', server: 'fixture', upstreamId: 7 });

    expect(deliveryOf('everything', sampling, [mine, other])).toEqual({ to: 'request', request: mine, message: { ...sampling, id: 'everything:0' } });
  });

  it('sends it to the GET stream when that server has no SSE call, or more than one, in flight', () => {
    expect(deliveryOf('everything', sampling, [call({ name: 'json', sse: false })])).toMatchObject({ to: 'standalone', message: { id: 'everything:0' } });
    expect(deliveryOf('everything', sampling, [call({ name: 'a' }), call({ name: 'b', upstreamId: 2 })])).toMatchObject({ to: 'standalone' });
  });

  it("gives progress the client's token, on its request's stream; drops progress of no request in flight", () => {
    const running = call({ name: 'running', upstreamId: 4, progressToken: 'client-token' });
    const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 4, progress: 1 } } as JsonRpcMessage;

    expect(deliveryOf('everything', progress, [running])).toEqual({ to: 'request', request: running, message: { ...progress, params: { progressToken: 'client-token', progress: 1 } } });
    expect(deliveryOf('fixture', progress, [running])).toMatchObject({ to: 'drop' });
    expect(deliveryOf('everything', progress, [{ ...running, progressToken: undefined }])).toMatchObject({ to: 'drop' });
  });

  it('rewrites notifications and sends them to the GET stream; an upstream cancelling its own request follows that request', () => {
    const running = call({ name: 'running' });
    const updated = { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'demo://a' } } as JsonRpcMessage;
    const cancelled = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 0 } } as JsonRpcMessage;

    expect(deliveryOf('everything', updated, [running])).toEqual({ to: 'standalone', message: { ...updated, params: { uri: 'switchyard://everything/demo://a' } } });
    expect(deliveryOf('everything', cancelled, [running])).toEqual({ to: 'request', request: running, message: { ...cancelled, params: { requestId: 'everything:0' } } });
  });
});
