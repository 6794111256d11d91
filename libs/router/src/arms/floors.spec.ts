import fc from 'fast-check';
import { applyFloor, normalize } from './floors.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('floors', () => {
  it('give every arm at least the floor and keep the bandit’s order', () => {
    expect(applyFloor([1, 0, 0], 0.05)).toEqual([0.9, 0.05, 0.05].map((x) => expect.closeTo(x, 12)));
  });

  it('are at most 1/k: with more arms than 1/floor the split becomes uniform', () => {
    expect(applyFloor(Array(25).fill(0).map((_, i) => (i === 0 ? 1 : 0)), 0.05)).toEqual(Array(25).fill(expect.closeTo(0.04, 12)));
  });

  it('normalize treats all-zero preferences as uniform', () => {
    expect(normalize([0, 0])).toEqual([0.5, 0.5]);
  });

  it('property: sum to 1 within 1e-9 and every share ≥ min(floor, 1/k)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (prefs, floor) => {
          const shares = applyFloor(prefs, floor);
          expect(Math.abs(sum(shares) - 1)).toBeLessThan(1e-9);
          const f = Math.min(floor, 1 / prefs.length);
          for (const s of shares) expect(s).toBeGreaterThanOrEqual(f - 1e-12);
        },
      ),
    );
  });
});
