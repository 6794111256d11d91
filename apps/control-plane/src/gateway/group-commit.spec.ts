import { GroupCommit } from './group-commit.js';

/** A write the test completes by hand, recording each batch. */
const manualWrites = () => {
  const batches: number[][] = [];
  const pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  const write = (batch: number[]) =>
    new Promise<void>((resolve, reject) => {
      batches.push(batch);
      pending.push({ resolve, reject });
    });
  return { batches, pending, write };
};
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes a lone item at once, and batches what arrives while a write is in flight', async () => {
    const writes = manualWrites();
    const sut = new GroupCommit(writes.write);

    const first = sut.submit(1);
    await tick();
    const rest = [sut.submit(2), sut.submit(3), sut.submit(4)];
    await tick();
    expect(writes.batches).toEqual([[1]]);
    writes.pending[0]?.resolve();
    await first;
    await tick();

    expect(writes.batches).toEqual([[1], [2, 3, 4]]);
    writes.pending[1]?.resolve();
    await expect(Promise.all(rest)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('puts items of the same tick in one write and respects the batch limit', async () => {
    const writes = manualWrites();
    const sut = new GroupCommit(writes.write, 2);

    const all = [sut.submit(1), sut.submit(2), sut.submit(3)];
    await tick();
    writes.pending[0]?.resolve();
    await tick();
    writes.pending[1]?.resolve();
    await Promise.all(all);

    expect(writes.batches).toEqual([[1, 2], [3]]);
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
    expect(writes.batches).toEqual([[1], [2]]);
  });
});
