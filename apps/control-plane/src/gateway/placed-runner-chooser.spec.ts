import { shuffled } from './placed-runner-chooser.js';

describe('shuffled', () => {
  it('permutes without losing or duplicating items, following the random source', () => {
    const items = ['a', 'b', 'c', 'd'];

    expect(shuffled(items, () => 0.999)).toEqual(['a', 'b', 'c', 'd']);
    expect(shuffled(items, () => 0)).toEqual(['b', 'c', 'd', 'a']);
    expect([...shuffled(items, Math.random)].sort()).toEqual(items);
    expect(items).toEqual(['a', 'b', 'c', 'd']);
  });
});
