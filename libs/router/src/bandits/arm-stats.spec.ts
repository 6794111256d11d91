import fc from 'fast-check';
import { decayTo, discountFactor, mergeArmStats, mergeArmStatsByVersion, recordReward, type ArmStats } from './arm-stats.js';

const HALF_LIFE = 60_000;

describe('discounted arm statistics', () => {
  it('halve an observation’s weight every half-life', () => {
    expect(discountFactor(60_000, HALF_LIFE)).toBeCloseTo(0.5, 12);
    expect(decayTo({ rewardSum: 8, count: 10, updatedAt: 0 }, 120_000, HALF_LIFE)).toEqual({
      rewardSum: expect.closeTo(2, 12),
      count: expect.closeTo(2.5, 12),
      updatedAt: 120_000,
    });
  });

  it('do not discount with an infinite half-life, and never move back in time', () => {
    expect(discountFactor(1e9, Infinity)).toBe(1);
    const s = { rewardSum: 1, count: 1, updatedAt: 500 };
    expect(decayTo(s, 100, HALF_LIFE)).toBe(s);
  });

  it('record a reward on top of the decayed sums', () => {
    let stats = recordReward({}, 'v1', 1, 0, HALF_LIFE);
    stats = recordReward(stats, 'v1', 0.5, 60_000, HALF_LIFE);
    expect(stats.v1).toEqual({ rewardSum: expect.closeTo(1, 12), count: expect.closeTo(1.5, 12), updatedAt: 60_000 });
  });

  const armStats: fc.Arbitrary<ArmStats> = fc
    .record({ n: fc.integer({ min: 0, max: 1_000 }), r: fc.double({ min: 0, max: 1, noNaN: true }), at: fc.nat(600_000) })
    .map(({ n, r, at }) => ({ rewardSum: n * r, count: n, updatedAt: at }));

  it('merge commutatively and associatively (replicas can be read in any order)', () => {
    fc.assert(
      fc.property(armStats, armStats, armStats, (a, b, c) => {
        const ab = mergeArmStats(a, b, HALF_LIFE);
        const ba = mergeArmStats(b, a, HALF_LIFE);
        expect(ab.count).toBeCloseTo(ba.count, 6);
        expect(ab.rewardSum).toBeCloseTo(ba.rewardSum, 6);
        const left = mergeArmStats(ab, c, HALF_LIFE);
        const right = mergeArmStats(a, mergeArmStats(b, c, HALF_LIFE), HALF_LIFE);
        expect(left.count).toBeCloseTo(right.count, 6);
        expect(left.updatedAt).toBe(right.updatedAt);
      }),
    );
  });

  it('merging two replicas equals recording all their observations in one place', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(10_000)), { maxLength: 60 }),
        (events) => {
          let now = 0;
          let one = {};
          let replicaA = {};
          let replicaB = {};
          for (const [onA, reward, dt] of events) {
            now += dt;
            one = recordReward(one, 'v', reward, now, HALF_LIFE);
            if (onA) replicaA = recordReward(replicaA, 'v', reward, now, HALF_LIFE);
            else replicaB = recordReward(replicaB, 'v', reward, now, HALF_LIFE);
          }
          const merged = mergeArmStatsByVersion(replicaA, replicaB, HALF_LIFE);
          const expected = (one as Record<string, ArmStats>).v;
          if (!expected) return expect(merged).toEqual({});
          const got = decayTo(merged.v!, expected.updatedAt, HALF_LIFE);
          expect(got.count).toBeCloseTo(expected.count, 6);
          expect(got.rewardSum).toBeCloseTo(expected.rewardSum, 6);
        },
      ),
    );
  });
});
