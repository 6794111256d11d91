import fc from 'fast-check';
import { callReward, DEFAULT_REWARD_WEIGHTS } from './reward.js';

describe('call reward', () => {
  it('is 0 for a failure however fast, undefined for ignored outcomes', () => {
    expect(callReward('failure', 1, 0)).toBe(0);
    expect(callReward('ignored', 1, 0)).toBeUndefined();
  });

  it('mixes success and latency with the default weights (cost off)', () => {
    expect(callReward('success', 0, 5)).toBeCloseTo(1, 12);
    expect(callReward('success', 1_000, 5)).toBeCloseTo(0.8 + 0.2 * 0.5, 12);
    expect(callReward('success', 60_000, 5)).toBeCloseTo(0.8, 12);
  });

  it('counts cost once a reference cost is set', () => {
    const weights = { ...DEFAULT_REWARD_WEIGHTS, success: 1, latency: 0, cost: 1, referenceCostPerCall: 0.02 };
    expect(callReward('success', 0, 0.01, weights)).toBeCloseTo(0.75, 12);
    expect(callReward('success', 0, 1, weights)).toBeCloseTo(0.5, 12);
  });

  it('property: always in [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('success' as const, 'failure' as const),
        fc.double({ min: -1, max: 1e7, noNaN: true }),
        fc.double({ min: -1, max: 100, noNaN: true }),
        fc.record({ success: fc.double({ min: 0, max: 5, noNaN: true }), latency: fc.double({ min: 0, max: 5, noNaN: true }), cost: fc.double({ min: 0, max: 5, noNaN: true }), referenceLatencyMs: fc.double({ min: 1, max: 1e5, noNaN: true }), referenceCostPerCall: fc.double({ min: 0, max: 10, noNaN: true }) }),
        (outcome, latency, cost, weights) => {
          const r = callReward(outcome, latency, cost, weights)!;
          expect(r).toBeGreaterThanOrEqual(0);
          expect(r).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
