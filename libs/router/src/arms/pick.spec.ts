import fc from 'fast-check';
import { pickIndex } from './pick.js';

describe('pickIndex', () => {
  it('maps the unit interval onto the cumulative shares', () => {
    expect([0, 0.29, 0.3, 0.99].map((u) => pickIndex([0.3, 0.7], () => u))).toEqual([0, 0, 1, 1]);
  });

  it('never picks a zero share, even at the rounding edge', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(0, 0.1, 0.2, 1 / 3), { minLength: 1, maxLength: 8 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (raw, u) => {
        fc.pre(raw.some((x) => x > 0));
        const total = raw.reduce((a, b) => a + b, 0);
        const shares = raw.map((x) => x / total);
        expect(shares[pickIndex(shares, () => u)]).toBeGreaterThan(0);
      }),
    );
  });
});
