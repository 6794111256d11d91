import type { JsonRpcMessage } from '@switchyard/protocol';
import { SessionStreams, STANDALONE_STREAM_ID } from './session-streams.js';

const answer = (id: number): JsonRpcMessage => ({ jsonrpc: '2.0', id, result: {} }) as JsonRpcMessage;

describe('SessionStreams', () => {
  it('keeps a request stream while it runs and forgets it once finished; the GET stream stays', () => {
    const log: Array<[string, number, JsonRpcMessage | null]> = [];
    const sut = new SessionStreams((streamId, seq, message) => log.push([streamId, seq, message]));

    const first = sut.newRequestStream();
    const second = sut.newRequestStream();
    expect(first.streamId).not.toBe(second.streamId);
    expect(sut.get(first.streamId)).toBe(first);

    first.push(answer(1));
    first.finish();

    expect(sut.get(first.streamId)).toBeUndefined();
    expect(sut.get(second.streamId)).toBe(second);
    expect(sut.get(STANDALONE_STREAM_ID)).toBe(sut.standalone);
    expect(log).toEqual([
      [first.streamId, 1, answer(1)],
      [first.streamId, 2, null],
    ]);
  });

  it('finishes every stream when the session ends and names the ones still kept', () => {
    const log: Array<[string, number, JsonRpcMessage | null]> = [];
    const sut = new SessionStreams((streamId, seq, message) => log.push([streamId, seq, message]));
    const running = sut.newRequestStream();

    expect(sut.finishAll()).toEqual([STANDALONE_STREAM_ID]);
    expect(running.finished).toBe(true);
    expect(sut.standalone.finished).toBe(true);
    expect(log).toEqual([
      [STANDALONE_STREAM_ID, 1, null],
      [running.streamId, 1, null],
    ]);
  });
});
