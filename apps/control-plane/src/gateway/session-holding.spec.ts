import { DomainError, type JsonRpcMessage } from '@switchyard/protocol';
import { ClientStream, JsonAnswer } from './client-stream.js';
import type { HandoffRequest } from './handoff-messages.js';
import { Refusal } from './refusal.js';
import { answerSink, asHttp, forwardHere, getHere, hostHandedOver, replyWhenSent, type HeldSession } from './session-holding.js';

const principal = { keyId: 'k', name: 'agent', role: 'AGENT', scopes: ['mcp:call'], allowedServers: [], allowedTools: [] };

/** A held session with real streams whose logs are arrays. */
function heldSession(protocolVersion = '2025-11-25', forward: HeldSession['forward'] = async () => undefined) {
  const logs = new Map<string, Array<JsonRpcMessage | null>>();
  const streams = new Map<string, ClientStream>();
  const newStream = (streamId: string, sse = true, adaptive = false) => {
    const log: Array<JsonRpcMessage | null> = [];
    logs.set(streamId, log);
    const stream = new ClientStream(streamId, (_seq, message) => log.push(message), sse, undefined, adaptive);
    streams.set(streamId, stream);
    return stream;
  };
  let next = 0;
  const sut: HeldSession = {
    sessionId: 's-1',
    isOpen: true,
    standalone: newStream('get'),
    record: { protocolVersion },
    stream: (streamId) => streams.get(streamId),
    newRequestStream: (sse = true, adaptive = false) => newStream(`r${++next}`, sse, adaptive),
    forward,
  };
  return { sut, logs };
}

const answer = (id: number): JsonRpcMessage => ({ jsonrpc: '2.0', id, result: { ok: true } });

describe('session holding', () => {
  it('answers a GET with the session stream, primed for 2025-11-25 clients, and refuses a second one', async () => {
    const { sut } = heldSession();
    expect(await getHere(sut, undefined)).toMatchObject({ kind: 'sse', stream: sut.standalone, prime: true, headers: { 'mcp-session-id': 's-1' } });
    expect(await getHere(heldSession('2025-06-18').sut, undefined)).toMatchObject({ prime: false });

    // A client is on the GET stream (a writer that stays open).
    sut.standalone.attach({ closed: false, send: () => undefined, end: () => undefined, onClose: () => undefined, prime: () => undefined } as never, false);
    await expect(getHere(sut, undefined)).rejects.toThrow(Refusal);
  });

  it('resumes a known stream after Last-Event-ID, a finished one from its log, and refuses one without either', async () => {
    const { sut } = heldSession();
    const stream = sut.newRequestStream();
    const logged = new Set(['finished-earlier']);
    const eventLog = { exists: async (sessionId: string, streamId: string) => sessionId === 's-1' && logged.has(streamId) };

    expect(await getHere(sut, { streamId: stream.streamId, seq: 3 }, eventLog)).toMatchObject({ kind: 'sse', stream, prime: false, resumeAfter: 3 });
    expect(await getHere(sut, { streamId: 'finished-earlier', seq: 2 }, eventLog)).toEqual({
      kind: 'sse-follow',
      sessionId: 's-1',
      streamId: 'finished-earlier',
      afterSeq: 2,
      prime: false,
      headers: { 'mcp-session-id': 's-1' },
    });
    await expect(getHere(sut, { streamId: 'nope', seq: 1 }, eventLog)).rejects.toThrow(Refusal);
    await expect(getHere(sut, { streamId: 'finished-earlier', seq: 1 })).rejects.toThrow(Refusal);
  });

  it('sends a JSON client one body, a stream to an SSE client (an adaptive one to a client that takes both) or to another replica', async () => {
    const { sut } = heldSession();
    const json = answerSink(sut, 'json', false);
    expect(json).toBeInstanceOf(JsonAnswer);
    json.push(answer(7));
    expect(await replyWhenSent(sut, json)).toEqual({ kind: 'json', status: 200, body: answer(7) });

    const nothing = answerSink(sut, 'json', false);
    nothing.finish();
    expect(await replyWhenSent(sut, nothing)).toEqual({ kind: 'empty', status: 202 });

    const sse = answerSink(sut, 'sse', false);
    expect(sse).toBeInstanceOf(ClientStream);
    expect(sse).toMatchObject({ adaptive: false });
    expect(answerSink(sut, 'either', false)).toMatchObject({ adaptive: true, sse: true });
    expect(await replyWhenSent(sut, sse)).toEqual({ kind: 'stream', stream: sse, prime: true });
    // Handed over: a stream either way (the other replica reads its log), SSE only if the client is.
    expect(answerSink(sut, 'json', true)).toMatchObject({ sse: false, adaptive: false });
    expect(answerSink(sut, 'either', true)).toMatchObject({ sse: true, adaptive: false });
    expect(asHttp(sut, { kind: 'stream', stream: sse as ClientStream, prime: true })).toMatchObject({ kind: 'sse', sessionId: 's-1', stream: sse });
    expect(asHttp(sut, { kind: 'empty', status: 202 })).toEqual({ kind: 'empty', status: 202, headers: { 'mcp-session-id': 's-1' } });
  });

  it('passes a notification on with 202 and turns a DomainError into its refusal', async () => {
    expect(await forwardHere(heldSession().sut, { jsonrpc: '2.0', method: 'notifications/initialized' })).toEqual({ kind: 'empty', status: 202 });
    const failing = heldSession('2025-11-25', async () => {
      throw DomainError.forbidden('no');
    }).sut;
    expect(await forwardHere(failing, { jsonrpc: '2.0', method: 'notifications/initialized' })).toMatchObject({ kind: 'json', status: 403 });
  });

  it('hosts a handed-over POST as a stream read from the log, a GET as the session stream, a DELETE as 200, a refusal as its reply', async () => {
    const { sut } = heldSession();
    const post: HandoffRequest = { v: 1, op: 'post', serverName: 'x', principal, sse: false, message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } } };
    const posted = await hostHandedOver(sut, post, {
      post: async (_message, sse) => ({ kind: 'stream', stream: sut.newRequestStream(sse), prime: false }),
      delete: async () => undefined,
    });
    expect(posted).toEqual({ kind: 'stream', streamId: 'r1', afterSeq: 0, prime: false, sse: false });

    const get: HandoffRequest = { v: 1, op: 'get', serverName: 'x', principal };
    expect(await hostHandedOver(sut, get, { post: async () => ({ kind: 'empty', status: 202 }), delete: async () => undefined })).toMatchObject({ kind: 'stream', streamId: 'get', sse: true });

    let deleted = false;
    const del: HandoffRequest = { v: 1, op: 'delete', serverName: 'x', principal };
    expect(await hostHandedOver(sut, del, { post: async () => ({ kind: 'empty', status: 202 }), delete: async () => void (deleted = true) })).toEqual({ kind: 'empty', status: 200 });
    expect(deleted).toBe(true);

    const refused = await hostHandedOver(sut, { ...get, resume: { streamId: 'nope', seq: 1 } }, { post: async () => ({ kind: 'empty', status: 202 }), delete: async () => undefined });
    expect(refused).toMatchObject({ kind: 'json', status: 400 });

    // A finished stream the session no longer keeps: the other replica follows its log.
    const eventLog = { exists: async () => true };
    const fromLog = await hostHandedOver(sut, { ...get, resume: { streamId: 'gone', seq: 4 } }, { post: async () => ({ kind: 'empty', status: 202 }), delete: async () => undefined, eventLog });
    expect(fromLog).toEqual({ kind: 'stream', streamId: 'gone', afterSeq: 4, prime: false, sse: true });
  });
});
