import { jest } from '@jest/globals';
import { GroupCommit } from './group-commit.js';

/** A write the test completes by hand, recording each batch as [urgent, lazy]. */
const manualWrites = () => {
  const batches: Array<[number[], string[]]> = [];
  const pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  const write = (urgent: number[], lazy: string[]) =>
    new Promise<void>((resolve, reject) => {
      batches.push([urgent, lazy]);
      pending.push({ resolve, reject });
    });
  return { batches, pending, write };
};
/** A few turns of the event loop: a write is scheduled with setImmediate, after the promise that ends the previous one. */
const tick = async () => {
  for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
};

describe('GroupCommit', () => {
  beforeEach(() => jest.useRealTimers());

  it('writes a lone item at once, and batches what arrives while a write is in flight', async () => {
    const writes = manualWrites();
    const sut = new GroupCommit(writes.write);

    const first = sut.submit(1);
    await tick();
    const rest = [sut.submit(2), sut.submit(3), sut.submit(4)];
    await tick();
    expect(writes.batches).toEqual([[[1], []]]);
    writes.pending[0]?.resolve();
    await first;
    await tick();

    expect(writes.batches).toEqual([
      [[1], []],
      [[2, 3, 4], []],
    ]);
    writes.pending[1]?.resolve();
    await expect(Promise.all(rest)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('puts items of the same tick in one write and respects the batch limit', async () => {
    const writes = manualWrites();
    const sut = new GroupCommit(writes.write, { maxBatch: 2 });

    const all = [sut.submit(1), sut.submit(2), sut.submit(3)];
    await tick();
    writes.pending[0]?.resolve();
    await tick();
    writes.pending[1]?.resolve();
    await Promise.all(all);

    expect(writes.batches).toEqual([
      [[1, 2], []],
      [[3], []],
    ]);
  });

  it('rejects every item of a failed write and goes on with the next', async () => {
    const writes = manualWrites();
    const sut = new GroupCommit(writes.write);

    const failed = sut.submit(1);
    await tick();
    const next = sut.submit(2);
    writes.pending[0]?.reject(new Error('database gone'));

    await expect(failed).rejects.toThrow('database gone');
    await tick();
    writes.pending[1]?.resolve();
    await expect(next).resolves.toBeUndefined();
    expect(writes.batches).toEqual([
      [[1], []],
      [[2], []],
    ]);
  });

  it('sends lazy items with the next urgent write, not on their own', async () => {
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });
    const writes = manualWrites();
    const sut = new GroupCommit(writes.write, { lazyDelayMs: 20 });

    const completed = [sut.submitLazy('a'), sut.submitLazy('b')];
    jest.advanceTimersByTime(19);
    await Promise.resolve();
    expect(writes.batches).toEqual([]);
    const started = sut.submit(1);
    await tick();

    expect(writes.batches).toEqual([[[1], ['a', 'b']]]);
    writes.pending[0]?.resolve();
    await expect(Promise.all([started, ...completed])).resolves.toHaveLength(3);
    jest.advanceTimersByTime(100);
    expect(writes.batches).toHaveLength(1);
  });

  it('sends lazy items alone once the delay has passed without an urgent one', async () => {
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });
    const writes = manualWrites();
    const sut = new GroupCommit(writes.write, { lazyDelayMs: 20 });

    const completed = sut.submitLazy('a');
    jest.advanceTimersByTime(20);
    await Promise.resolve();

    expect(writes.batches).toEqual([[[], ['a']]]);
    writes.pending[0]?.resolve();
    await expect(completed).resolves.toBeUndefined();
  });

  it('retries a failed shared write lane by lane: a bad lazy item does not fail the urgent ones', async () => {
    const writes: Array<[number[], string[]]> = [];
    const sut = new GroupCommit<number, string>(
      async (urgent, lazy) => {
        writes.push([urgent, lazy]);
        if (lazy.includes('bad')) throw new Error('bad completion');
      },
      { lazyDelayMs: 1_000 },
    );

    const completion = sut.submitLazy('bad');
    const started = sut.submit(1);

    await expect(started).resolves.toBeUndefined();
    await expect(completion).rejects.toThrow('bad completion');
    expect(writes).toEqual([
      [[1], ['bad']],
      [[1], []],
      [[], ['bad']],
    ]);
  });

  it('flush() sends the lazy items at once and resolves when everything submitted is written', async () => {
    const written: Array<[number[], string[]]> = [];
    const sut = new GroupCommit<number, string>(async (urgent, lazy) => void written.push([urgent, lazy]), { lazyDelayMs: 60_000 });
    // (a long delay: without flush() the item would wait a minute)

    const completion = sut.submitLazy('a');
    await sut.flush();
    expect(written).toEqual([[[], ['a']]]);
    await expect(completion).resolves.toBeUndefined();

    // A write in flight when flush() is called: what waits behind it goes right after it.
    const start = sut.submit(1);
    await new Promise((resolve) => setImmediate(resolve)); // its write has begun
    const later = sut.submitLazy('b');
    await sut.flush();
    await expect(Promise.all([start, later])).resolves.toHaveLength(2);
    expect(written).toEqual([
      [[], ['a']],
      [[1], []],
      [[], ['b']],
    ]);
  });

  it('with no delay, sends a lazy item at the end of the event loop turn, together with urgent items of that turn', async () => {
    const written: Array<[number[], string[]]> = [];
    const sut = new GroupCommit<number, string>(async (urgent, lazy) => void written.push([urgent, lazy]));

    const completion = sut.submitLazy('a');
    await Promise.resolve();
    expect(written).toEqual([]);
    const start = sut.submit(1);
    await Promise.all([completion, start]);

    expect(written).toEqual([[[1], ['a']]]);
    await Promise.all([sut.submitLazy('b'), new Promise((resolve) => setImmediate(resolve))]);
    expect(written).toEqual([
      [[1], ['a']],
      [[], ['b']],
    ]);
  });
});
