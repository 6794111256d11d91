import { encode, RUNNER_PROTOCOL_VERSION, splitForPublish, subjects, upstreamMessageSchema, type UpstreamMessage } from '@switchyard/protocol';
import { UpstreamIntake } from './upstream-intake.js';

const message = (text: string): UpstreamMessage => ({
  v: RUNNER_PROTOCOL_VERSION,
  sessionId: 'sess-1',
  seq: 0,
  kind: 'message',
  message: { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }] } },
});
const framesOf = (value: UpstreamMessage, id: string) => splitForPublish(encode(upstreamMessageSchema, value), { id, maxChunkBytes: 200 });

describe('UpstreamIntake', () => {
  it('names the sender from the subject and decodes a whole message', () => {
    const sut = new UpstreamIntake(() => false);

    const taken = sut.take(subjects.cpMessages('run-a'), encode(upstreamMessageSchema, message('hi')), 0);

    expect(taken).toEqual({ kind: 'message', runnerId: 'run-a', message: message('hi') });
  });

  it('reassembles chunk frames per runner, so equal chunk ids of two runners do not mix', () => {
    const sut = new UpstreamIntake(() => true);
    const a = framesOf(message('a'.repeat(1_000)), 'same-id');
    const b = framesOf(message('b'.repeat(1_000)), 'same-id');

    const results = a.flatMap((frame, index) => [sut.take(subjects.cpMessages('run-a'), frame, 0), sut.take(subjects.cpMessages('run-b'), b[index] as Uint8Array, 0)]);

    expect(a.length).toBeGreaterThan(3);
    expect(results.filter((taken) => taken.kind === 'message')).toEqual([
      { kind: 'message', runnerId: 'run-a', message: message('a'.repeat(1_000)) },
      { kind: 'message', runnerId: 'run-b', message: message('b'.repeat(1_000)) },
    ]);
  });

  it('leaves the chunks of runners without a session here to the replica that has one', () => {
    const sut = new UpstreamIntake((runnerId) => runnerId === 'run-a');
    const [first] = framesOf(message('x'.repeat(1_000)), 'c-1');

    expect(sut.take(subjects.cpMessages('run-b'), first as Uint8Array, 0)).toEqual({ kind: 'dropped', reason: 'not-here', runnerId: 'run-b' });
  });

  it('drops what is not an upstream message: other subjects, bad frames, bad JSON', () => {
    const sut = new UpstreamIntake(() => true);
    const [frame] = framesOf(message('x'.repeat(1_000)), 'c-2');
    const corrupt = (frame as Uint8Array).slice(0, 10);

    expect(sut.take('sy.cp.run-a.hb', encode(upstreamMessageSchema, message('hi')), 0)).toMatchObject({ kind: 'dropped', reason: 'invalid' });
    expect(sut.take(subjects.cpMessages('run-a'), corrupt, 0)).toMatchObject({ kind: 'dropped', reason: 'chunk-error', runnerId: 'run-a' });
    expect(sut.take(subjects.cpMessages('run-a'), new TextEncoder().encode('{"v":1}'), 0)).toMatchObject({ kind: 'dropped', reason: 'invalid', runnerId: 'run-a' });
  });
});
