import type { JsonRpcMessage } from '@switchyard/protocol';
import { UpstreamIds } from './upstream-ids.js';

const call = (id: number | string, progressToken?: string | number): JsonRpcMessage =>
  ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'x', arguments: {}, ...(progressToken === undefined ? {} : { _meta: { progressToken, traceparent: 'tp' } }) } }) as JsonRpcMessage;
const idOf = (message: JsonRpcMessage): unknown => (message as { id?: unknown }).id;
const result = (id: unknown): JsonRpcMessage => ({ jsonrpc: '2.0', id, result: {} }) as JsonRpcMessage;
const progress = (progressToken: unknown): JsonRpcMessage => ({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken, progress: 1 } }) as JsonRpcMessage;

describe('UpstreamIds', () => {
  it('gives every request a fresh upstream id and maps its answer back to the client id', () => {
    const sut = new UpstreamIds();
    const written = sut.outgoing(call(1));
    const upstreamId = idOf(written);
    expect(typeof upstreamId).toBe('number');

    expect(idOf(sut.incoming(result(upstreamId))!)).toBe(1);
    // Answered: a second answer with that id is nobody's.
    expect(sut.incoming(result(upstreamId))).toBeUndefined();
  });

  it("never maps one session's answer into another's, even for the same client id", () => {
    const earlier = new UpstreamIds();
    const later = new UpstreamIds();
    const earlierUpstream = idOf(earlier.outgoing(call(2)));
    const laterUpstream = idOf(later.outgoing(call(2)));

    expect(laterUpstream).not.toBe(earlierUpstream);
    expect(later.incoming(result(earlierUpstream))).toBeUndefined();
    expect(idOf(later.incoming(result(laterUpstream))!)).toBe(2);
  });

  it('rewrites the progress token both ways, keeping the rest of _meta; unknown progress is dropped', () => {
    const sut = new UpstreamIds();
    const written = sut.outgoing(call(3, 'p-1')) as unknown as { params: { _meta: Record<string, unknown> } };
    const token = written.params._meta.progressToken;
    expect(token).toMatch(/^sy-\d+$/);
    expect(written.params._meta.traceparent).toBe('tp');

    expect(sut.incoming(progress(token))).toMatchObject({ params: { progressToken: 'p-1', progress: 1 } });
    expect(sut.incoming(progress('p-1'))).toBeUndefined();
  });

  it("points the client's notifications/cancelled at the upstream id and drops the late answer", () => {
    const sut = new UpstreamIds();
    const upstreamId = idOf(sut.outgoing(call('a')));
    const cancel = sut.outgoing({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'a', reason: 'stop' } } as JsonRpcMessage);

    expect(cancel).toMatchObject({ params: { requestId: upstreamId, reason: 'stop' } });
    expect(sut.incoming(result(upstreamId))).toBeUndefined();
  });

  it('passes server → client requests, the answers to them, logs and id-less errors unchanged', () => {
    const sut = new UpstreamIds();
    const sampling = { jsonrpc: '2.0', id: 0, method: 'sampling/createMessage', params: {} } as JsonRpcMessage;
    const answer = { jsonrpc: '2.0', id: 0, result: { content: [] } } as JsonRpcMessage;
    const log = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } } as JsonRpcMessage;
    const parseError = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } } as unknown as JsonRpcMessage;

    expect(sut.incoming(sampling)).toBe(sampling);
    expect(sut.outgoing(answer)).toBe(answer);
    expect(sut.incoming(log)).toBe(log);
    expect(sut.incoming(parseError)).toBe(parseError);
  });

  it('lets the newer of two pending requests with one client id win', () => {
    const sut = new UpstreamIds();
    const first = idOf(sut.outgoing(call(9)));
    const second = idOf(sut.outgoing(call(9)));
    expect(sut.incoming(result(first))).toBeUndefined();
    expect(idOf(sut.incoming(result(second))!)).toBe(9);
  });
});
