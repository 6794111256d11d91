import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage } from '@switchyard/protocol';
import { ClientStream } from './client-stream.js';
import { SseWriter } from './sse-writer.js';

/** A stand-in for the HTTP response: records what is written, can be closed by the "client". */
class FakeResponse extends EventEmitter {
  written = '';
  writableEnded = false;
  destroyed = false;
  writeHead(): this {
    return this;
  }
  flushHeaders(): void {}
  cork(): void {}
  uncork(): void {}
  write(text: string): boolean {
    this.written += text;
    return true;
  }
  end(text = ''): void {
    this.written += text;
    this.writableEnded = true;
    this.emit('close');
  }
  clientGoesAway(): void {
    this.emit('close');
  }
  /** The ids and messages written, in order (priming events have empty data). */
  events(): Array<{ id: string; data: string }> {
    return this.written
      .split('\n\n')
      .filter((block) => block.includes('id: '))
      .map((block) => ({ id: /id: (.*)/.exec(block)?.[1] ?? '', data: /data: ?(.*)/.exec(block)?.[1] ?? '' }));
  }
}

const note = (n: number): JsonRpcMessage => ({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: n } });
const writerOn = (res: FakeResponse) => new SseWriter(res as unknown as ServerResponse, 's1', {});

describe('ClientStream', () => {
  it('logs every event with consecutive seqs and an end marker, connected or not', () => {
    const log: Array<[number, JsonRpcMessage | null]> = [];
    const sut = new ClientStream('s1', (seq, message) => log.push([seq, message]));

    sut.push(note(1));
    sut.push(note(2));
    sut.finish();
    sut.push(note(3));

    expect(log).toEqual([
      [1, note(1)],
      [2, note(2)],
      [3, null],
    ]);
  });

  it('gives the first connection what came before it, after a priming event, and ends it when the stream is done', () => {
    const sut = new ClientStream('s1', () => undefined);
    sut.push(note(1));
    const res = new FakeResponse();

    sut.attach(writerOn(res), true);
    sut.push(note(2));
    sut.finish();

    expect(res.events()).toEqual([
      { id: 's1.0', data: '' },
      { id: 's1.1', data: JSON.stringify(note(1)) },
      { id: 's1.2', data: JSON.stringify(note(2)) },
    ]);
    expect(res.writableEnded).toBe(true);
  });

  it('keeps going when the client goes away, and a resumed connection gets the log after its last id, then live events, each once', async () => {
    const sut = new ClientStream('s1', () => undefined);
    const first = new FakeResponse();
    sut.attach(writerOn(first), false);
    sut.push(note(1));
    await new Promise((resolve) => setImmediate(resolve)); // written at the end of the tick
    first.clientGoesAway();
    sut.push(note(2));
    sut.push(note(3));
    const second = new FakeResponse();
    let releaseReplay!: () => void;

    const resuming = sut.attachResumed(writerOn(second), 1, async () => {
      await new Promise<void>((resolve) => (releaseReplay = resolve));
      return [
        { seq: 2, message: note(2) },
        { seq: 3, message: note(3) },
      ];
    });
    sut.push(note(4)); // arrives while the log is being read
    releaseReplay();
    await resuming;
    sut.finish();

    expect(first.events().map((event) => event.id)).toEqual(['s1.1']);
    expect(second.events().map((event) => event.id)).toEqual(['s1.2', 's1.3', 's1.4']);
    expect(second.writableEnded).toBe(true);
  });

  it('hands over to another replica from the first event no connection has seen', () => {
    const sut = new ClientStream('s1', () => undefined);
    sut.push(note(1));
    sut.push(note(2));

    expect(sut.handOver()).toBe(0);
    sut.push(note(3));
    expect(sut.handOver()).toBe(3);
  });
});

describe('ClientStream, adaptive (a client that takes one JSON body or SSE)', () => {
  const answer: JsonRpcMessage = { jsonrpc: '2.0', id: 1, result: { content: [] } } as JsonRpcMessage;
  const sampling: JsonRpcMessage = { jsonrpc: '2.0', id: 's1', method: 'sampling/createMessage', params: {} } as JsonRpcMessage;

  it('answers with the answer alone, logging nothing, when it comes first and in time', async () => {
    const log: Array<[number, JsonRpcMessage | null]> = [];
    const sut = new ClientStream('s1', (seq, message) => log.push([seq, message]), true, undefined, true);

    const decision = sut.decide(1_000);
    sut.push(answer);
    sut.finish();

    expect(await decision).toEqual(answer);
    expect(log).toEqual([]);
    expect(await sut.decide(1_000)).toEqual(answer); // asked again (the answer came before the ask)
  });

  it('turns to SSE when something else comes first, logging what waited and all after it', async () => {
    const log: Array<[number, JsonRpcMessage | null]> = [];
    const sut = new ClientStream('s1', (seq, message) => log.push([seq, message]), true, undefined, true);

    const decision = sut.decide(1_000);
    sut.push(note(1));
    expect(await decision).toBeUndefined();
    sut.push(answer);
    sut.finish();

    expect(log).toEqual([
      [1, note(1)],
      [2, answer],
      [3, null],
    ]);
  });

  it('turns to SSE for a server → client request, and when the answer does not come in time', async () => {
    const requested = new ClientStream('s1', () => undefined, true, undefined, true);
    const asked = requested.decide(1_000);
    requested.push(sampling);
    expect(await asked).toBeUndefined();

    const log: Array<[number, JsonRpcMessage | null]> = [];
    const slow = new ClientStream('s2', (seq, message) => log.push([seq, message]), true, undefined, true);
    expect(await slow.decide(5)).toBeUndefined();
    slow.push(answer);
    slow.finish();
    expect(log).toEqual([
      [1, answer],
      [2, null],
    ]);
  });

  it('turns to SSE when handed over to another replica (it reads the log)', () => {
    const log: Array<[number, JsonRpcMessage | null]> = [];
    const sut = new ClientStream('s1', (seq, message) => log.push([seq, message]), true, undefined, true);
    sut.push(answer);

    expect(sut.handOver()).toBe(0);
    sut.finish();
    expect(log).toEqual([
      [1, answer],
      [2, null],
    ]);
  });

  it('ends as SSE without an answer (a cancelled call), its log ended', async () => {
    const log: Array<[number, JsonRpcMessage | null]> = [];
    const sut = new ClientStream('s1', (seq, message) => log.push([seq, message]), true, undefined, true);
    const decision = sut.decide(1_000);
    sut.finish();

    expect(await decision).toBeUndefined();
    expect(log).toEqual([[1, null]]);
  });
});
