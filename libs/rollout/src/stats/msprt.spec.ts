import { binomial, seededRandom } from '../../test/prng.js';
import { twoProportionMsprt, type ErrorCounts } from './msprt.js';

const alpha = 0.05;
const options = { alpha, nullDifference: 0, mixtureStdDev: 0.05 };

/** Fixed-sample two-proportion z-test (pooled variance), two-sided: what a naive gate would run. */
function naiveZRejects(champion: ErrorCounts, challenger: ErrorCounts): boolean {
  const pooled = (champion.errors + challenger.errors) / (champion.calls + challenger.calls);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / champion.calls + 1 / challenger.calls));
  if (se === 0) return false;
  const z = (challenger.errors / challenger.calls - champion.errors / champion.calls) / se;
  return Math.abs(z) > 1.959964;
}

interface Simulation {
  runs: number;
  looks: number;
  championCallsPerLook: number;
  challengerCallsPerLook: number;
  championRate: number;
  challengerRate: number;
}

/** Runs a canary many times, looking after every batch; counts runs where a test ever rejected. */
function simulate(sim: Simulation, seed: number) {
  const random = seededRandom(seed);
  let msprtRejections = 0;
  let naiveRejections = 0;
  let intervalMisses = 0;
  const trueDifference = sim.challengerRate - sim.championRate;
  for (let run = 0; run < sim.runs; run++) {
    const champion = { calls: 0, errors: 0 };
    const challenger = { calls: 0, errors: 0 };
    let msprtRejected = false;
    let naiveRejected = false;
    let missed = false;
    for (let look = 0; look < sim.looks; look++) {
      champion.calls += sim.championCallsPerLook;
      champion.errors += binomial(random, sim.championCallsPerLook, sim.championRate);
      challenger.calls += sim.challengerCallsPerLook;
      challenger.errors += binomial(random, sim.challengerCallsPerLook, sim.challengerRate);
      const test = twoProportionMsprt(champion, challenger, options);
      msprtRejected ||= test.rejectsNull;
      naiveRejected ||= naiveZRejects(champion, challenger);
      missed ||= trueDifference < test.interval[0] || trueDifference > test.interval[1];
    }
    if (msprtRejected) msprtRejections++;
    if (naiveRejected) naiveRejections++;
    if (missed) intervalMisses++;
  }
  return { msprtRate: msprtRejections / sim.runs, naiveRate: naiveRejections / sim.runs, missRate: intervalMisses / sim.runs };
}

const canary = { runs: 200, looks: 20, championCallsPerLook: 200, challengerCallsPerLook: 50 };

describe('twoProportionMsprt under repeated looks', () => {
  it('keeps the false-alarm rate at α over 200 A/A canaries with 20 looks each, where a naive z-test does not', () => {
    const result = simulate({ ...canary, championRate: 0.05, challengerRate: 0.05 }, 20261123);
    // Ville's inequality bounds it by α; the slack covers the Monte Carlo error of 200 runs (sd ≈ 1.5 points).
    expect(result.msprtRate).toBeLessThanOrEqual(alpha + 0.03);
    // The same data through a fixed-sample test checked 20 times: well above α. This is why the gate is sequential.
    expect(result.naiveRate).toBeGreaterThan(2 * alpha);
  });

  it('stays valid when both arms never fail (the smoothed variance never reaches 0)', () => {
    const result = simulate({ ...canary, championRate: 0, challengerRate: 0 }, 7);
    expect(result.msprtRate).toBe(0);
  });

  it('detects a challenger failing 15% of calls against a champion failing 5%', () => {
    const result = simulate({ ...canary, championRate: 0.05, challengerRate: 0.15 }, 42);
    expect(result.msprtRate).toBeGreaterThanOrEqual(0.95);
  });

  it('detects a challenger failing 20% of calls within 200 challenger calls', () => {
    const random = seededRandom(99);
    const champion = { calls: 800, errors: binomial(random, 800, 0.02) };
    const challenger = { calls: 200, errors: binomial(random, 200, 0.2) };
    const test = twoProportionMsprt(champion, challenger, options);
    expect(test.rejectsNull).toBe(true);
    expect(test.difference).toBeGreaterThan(0);
    expect(test.pValue).toBeLessThan(alpha);
  });

  it('covers the true difference at every look in at least 1 − α of runs (a confidence sequence)', () => {
    const result = simulate({ ...canary, championRate: 0.04, challengerRate: 0.1 }, 1234);
    expect(result.missRate).toBeLessThanOrEqual(alpha + 0.03);
  });
});

describe('twoProportionMsprt', () => {
  it('has no evidence when an arm has no calls', () => {
    const test = twoProportionMsprt({ calls: 0, errors: 0 }, { calls: 100, errors: 50 }, options);
    expect(test).toMatchObject({ logLikelihoodRatio: 0, pValue: 1, rejectsNull: false, interval: [-1, 1] });
  });

  it('rejects exactly when the null difference leaves the confidence sequence', () => {
    for (const errors of [0, 5, 10, 15, 20, 30, 40]) {
      const test = twoProportionMsprt({ calls: 1000, errors: 50 }, { calls: 200, errors }, options);
      const nullOutside = options.nullDifference < test.interval[0] || options.nullDifference > test.interval[1];
      expect({ errors, rejects: test.rejectsNull }).toEqual({ errors, rejects: nullOutside });
    }
  });

  it('tests against a tolerated increase when nullDifference is set', () => {
    const champion = { calls: 50_000, errors: 2500 };
    const challenger = { calls: 50_000, errors: 3000 }; // +1 point, clearly real at this size (z ≈ 7)
    expect(twoProportionMsprt(champion, challenger, options).rejectsNull).toBe(true);
    expect(twoProportionMsprt(champion, challenger, { ...options, nullDifference: 0.02 }).rejectsNull).toBe(true);
    const tolerant = twoProportionMsprt(champion, challenger, { ...options, nullDifference: 0.01 });
    expect(tolerant.rejectsNull).toBe(false);
  });
});
