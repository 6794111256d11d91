import { seededRng } from '../seeded-rng.js';
import { armShares, computeArmPreferences, type ArmPolicy } from './arm-policy.js';

const options = { now: 1_000, rng: seededRng(1), floorShare: 0.05, preferencesMaxAgeMs: 5_000 };
const stats = {
  good: { rewardSum: 90, count: 100, updatedAt: 1_000 },
  bad: { rewardSum: 10, count: 100, updatedAt: 1_000 },
};

describe('arm shares', () => {
  it('fixed weights are normalized over the available arms, with no floor', () => {
    const sut = armShares(['v1', 'v2'], { kind: 'WEIGHTED', weights: { v1: 95, v2: 5 } }, options);
    expect(sut).toEqual({ versionIds: ['v1', 'v2'], shares: [0.95, 0.05], source: 'weights' });
    expect(armShares(['v1', 'v2'], { kind: 'WEIGHTED', weights: { v1: 1, v2: 0 } }, options).shares).toEqual([1, 0]);
  });

  it('an arm that is not available gets nothing and the rest is renormalized', () => {
    expect(armShares(['v1'], { kind: 'WEIGHTED', weights: { v1: 0.9, v2: 0.1 } }, options).shares).toEqual([1]);
  });

  it('fixed weights that are all zero on the available arms give no shares (nothing to send)', () => {
    expect(armShares(['v2'], { kind: 'WEIGHTED', weights: { v1: 1 } }, options).versionIds).toEqual([]);
  });

  it('a bandit keeps the floor for the arm it does not prefer', () => {
    const policy: ArmPolicy = { kind: 'UCB1', stats, params: { exploration: 0 } };
    const sut = armShares(['good', 'bad'], policy, options);
    expect(sut.shares).toEqual([0.95, 0.05].map((x) => expect.closeTo(x, 12)));
    expect(sut.source).toBe('computed-preferences');
  });

  it('uses fresh precomputed preferences and recomputes stale ones', () => {
    const preferences = { computedAt: 0, byVersion: { good: 0.25, bad: 0.75 } };
    const policy: ArmPolicy = { kind: 'THOMPSON', stats, preferences };
    const fresh = armShares(['good', 'bad'], policy, { ...options, now: 5_000 });
    expect(fresh.source).toBe('cached-preferences');
    expect(fresh.shares[1]).toBeCloseTo(0.05 + 0.9 * 0.75, 12);
    const stale = armShares(['good', 'bad'], policy, { ...options, now: 5_001 });
    expect(stale.source).toBe('computed-preferences');
    expect(stale.shares[0]).toBeGreaterThan(0.9);
  });

  it('computeArmPreferences gives a preference per version that sums to 1', () => {
    const sut = computeArmPreferences({ kind: 'THOMPSON', stats }, ['good', 'bad'], 1_000, seededRng(3));
    expect(sut.computedAt).toBe(1_000);
    expect(sut.byVersion.good! + sut.byVersion.bad!).toBeCloseTo(1, 12);
    expect(sut.byVersion.good).toBeGreaterThan(0.99);
  });
});
