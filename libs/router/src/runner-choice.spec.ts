import { scriptedRng } from '../test/snapshot-fixtures.js';
import { leastOutstanding } from './runner-choice.js';
import { seededRng } from './seeded-rng.js';

const runner = (id: string, outstanding: number) => ({ id, nodepoolId: 'p', outstanding });

describe('least outstanding requests', () => {
  it('picks the runner with the fewest requests in flight', () => {
    expect(leastOutstanding([runner('a', 3), runner('b', 1), runner('c', 2)], () => 0)?.id).toBe('b');
  });

  it('breaks ties with the rng, evenly', () => {
    const tied = [runner('a', 1), runner('b', 1), runner('c', 1), runner('d', 5)];
    expect(leastOutstanding(tied, scriptedRng([0.9, 0.9]))?.id).toBe('a');
    expect(leastOutstanding(tied, scriptedRng([0.1, 0.9]))?.id).toBe('b');
    const rng = seededRng(3);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 30_000; i++) {
      const id = leastOutstanding(tied, rng)!.id;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(counts.d).toBeUndefined();
    for (const id of ['a', 'b', 'c']) expect(counts[id]! / 30_000).toBeCloseTo(1 / 3, 1);
  });

  it('gives nothing for no runners', () => {
    expect(leastOutstanding([], () => 0)).toBeUndefined();
  });
});
