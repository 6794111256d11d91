import fc from 'fast-check';
import { armShares } from '../arms/arm-policy.js';
import { pickIndex } from '../arms/pick.js';
import { seededRng } from '../seeded-rng.js';
import { recordReward, type ArmStatsByVersion } from './arm-stats.js';
import { DEFAULT_BANDIT_PARAMS } from './bandit-params.js';
import { thompsonPreferences } from './thompson.js';

const params = { ...DEFAULT_BANDIT_PARAMS, halfLifeMs: Infinity };

/** P(X > Y) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2), integer a1 (Evan Miller's closed form). */
function probabilityBBeatsA(aA: number, bA: number, aB: number, bB: number): number {
  const logBeta = (x: number, y: number) => lgamma(x) + lgamma(y) - lgamma(x + y);
  let total = 0;
  for (let i = 0; i < aB; i++) total += Math.exp(logBeta(aA + i, bB + bA) - Math.log(bB + i) - logBeta(1 + i, bB) - logBeta(aA, bA));
  return total;
}
function lgamma(x: number): number {
  // Lanczos approximation, plenty for a test oracle.
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

describe('Thompson sampling preferences', () => {
  it('estimate P(arm is best) close to the closed form for two arms', () => {
    // Arm A: 6 successes / 4 failures, arm B: 9 / 3, with the uniform prior.
    const stats: ArmStatsByVersion = {
      A: { rewardSum: 6, count: 10, updatedAt: 0 },
      B: { rewardSum: 9, count: 12, updatedAt: 0 },
    };
    const exact = probabilityBBeatsA(7, 5, 10, 4);
    const [, b] = thompsonPreferences(['A', 'B'], stats, 0, { ...params, draws: 20_000 }, seededRng(5));
    expect(Math.abs(b! - exact)).toBeLessThan(0.015);
  });

  it('with no data every arm is equally likely', () => {
    const prefs = thompsonPreferences(['a', 'b', 'c'], {}, 0, { ...params, draws: 30_000 }, seededRng(9));
    for (const p of prefs) expect(p).toBeCloseTo(1 / 3, 1);
  });

  it('is deterministic for the same seed', () => {
    const stats = { a: { rewardSum: 3, count: 5, updatedAt: 0 } };
    expect(thompsonPreferences(['a', 'b'], stats, 0, params, seededRng(1))).toEqual(thompsonPreferences(['a', 'b'], stats, 0, params, seededRng(1)));
  });

  /**
   * Runs a Bernoulli environment for `rounds` decisions (one per simulated second); the rates are
   * reversed from `switchAt` on. Returns the final shares, pulls, and pulls since the switch.
   */
  function simulate(successRates: number[], rounds: number, seed: number, halfLifeMs = Infinity, switchAt?: number) {
    const rng = seededRng(seed);
    const ids = successRates.map((_, i) => `v${i}`);
    let stats: ArmStatsByVersion = {};
    const pulls = ids.map(() => 0);
    const pullsSinceSwitch = ids.map(() => 0);
    let shares: number[] = [];
    for (let t = 0; t < rounds; t++) {
      const rates = switchAt !== undefined && t >= switchAt ? [...successRates].reverse() : successRates;
      // 100 Monte Carlo draws keep the run fast; the shares used are exact whatever the count.
      const now = t * 1_000;
      shares = armShares(ids, { kind: 'THOMPSON', stats, params: { ...params, halfLifeMs, draws: 100 } }, { now, rng, floorShare: 0.05, preferencesMaxAgeMs: 0 }).shares;
      const arm = pickIndex(shares, rng);
      pulls[arm]! += 1;
      if (switchAt !== undefined && t >= switchAt) pullsSinceSwitch[arm]! += 1;
      stats = recordReward(stats, ids[arm]!, rng() < rates[arm]! ? 1 : 0, now, halfLifeMs);
    }
    return { shares, pulls, pullsSinceSwitch };
  }

  it('converges to the better arm of a Bernoulli environment (any seed): its share reaches the ceiling the floors allow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.double({ min: 0.1, max: 0.6, noNaN: true }), (seed, worse) => {
        const better = worse + 0.25;
        const { shares, pulls } = simulate([worse, better, worse - 0.05], 1_000, seed);
        // Ceiling: 1 − 2 × 5% floors = 0.9. Demand most of it.
        expect(shares[1]).toBeGreaterThan(0.8);
        expect(pulls[1]).toBe(Math.max(...pulls));
      }),
      { numRuns: 5 },
    );
  });

  it('discounting follows a change: after the best arm swaps, the new best gets the traffic sooner', () => {
    // 0.3 vs 0.8 for 1 000 s, then swapped for 400 s; half-life 2 minutes.
    const discounted = simulate([0.3, 0.8], 1_400, 11, 120_000, 1_000);
    expect(discounted.shares[0]).toBeGreaterThan(0.8);
    // Without discounting, a thousand old observations keep the former best ahead for longer.
    const stationary = simulate([0.3, 0.8], 1_400, 11, Infinity, 1_000);
    expect(discounted.pullsSinceSwitch[0]).toBeGreaterThan(stationary.pullsSinceSwitch[0]! + 50);
  });
});
