import { seededRandom } from '../../test/prng.js';
import {
  EMPTY_REWARD_SUMS,
  addRewardRecord,
  estimateArm,
  estimateDifference,
  rewardSumsOf,
  type Arm,
  type IpwEstimator,
  type RewardRecord,
} from './ipw.js';
import { mixtureHalfWidth } from './normal-mixture.js';

const TRUE_MEAN: Record<Arm, number> = { champion: 0.6, challenger: 0.65 };

/**
 * A greedy bandit with a 10% floor: it sends 90% of calls to the arm whose running average is
 * higher, so an arm's unlucky start starves it of the calls that would correct it. Rewards are
 * Bernoulli with the true means above; every record carries the propensity of its assignment.
 */
function banditLog(random: () => number, calls: number): RewardRecord[] {
  const totals = { champion: { n: 0, sum: 0 }, challenger: { n: 0, sum: 0 } };
  const average = (arm: Arm) => (totals[arm].n === 0 ? 1 : totals[arm].sum / totals[arm].n);
  const records: RewardRecord[] = [];
  for (let i = 0; i < calls; i++) {
    const challengerPropensity = average('challenger') >= average('champion') ? 0.9 : 0.1;
    const arm: Arm = random() < challengerPropensity ? 'challenger' : 'champion';
    const propensity = arm === 'challenger' ? challengerPropensity : 1 - challengerPropensity;
    const reward = random() < TRUE_MEAN[arm] ? 1 : 0;
    totals[arm].n++;
    totals[arm].sum += reward;
    records.push({ arm, reward, propensity });
  }
  return records;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
};

function simulate(estimator: IpwEstimator, seed: number, logs = 400, calls = 500) {
  const random = seededRandom(seed);
  const estimates = { champion: [] as number[], challenger: [] as number[], naiveChampion: [] as number[] };
  const differences: number[] = [];
  const estimatedVariances: number[] = [];
  let misses = 0;
  for (let i = 0; i < logs; i++) {
    const records = banditLog(random, calls);
    const sums = rewardSumsOf(records);
    const d = estimateDifference(sums, estimator);
    estimates.champion.push(d.champion.mean);
    estimates.challenger.push(d.challenger.mean);
    const championRewards = records.filter((r) => r.arm === 'champion').map((r) => r.reward);
    if (championRewards.length > 0) estimates.naiveChampion.push(mean(championRewards));
    differences.push(d.difference);
    estimatedVariances.push(d.variance);
    const halfWidth = mixtureHalfWidth(d.variance, 0.05, { mixtureStdDev: 0.05 });
    const truth = TRUE_MEAN.challenger - TRUE_MEAN.champion;
    if (truth < d.difference - halfWidth || truth > d.difference + halfWidth) misses++;
  }
  return { estimates, differences, estimatedVariances, missRate: misses / logs };
}

describe('IPW estimates on a simulated bandit log', () => {
  it.each<IpwEstimator>(['horvitz-thompson', 'self-normalized'])('%s: each arm’s mean is unbiased within 0.01', (estimator) => {
    const { estimates } = simulate(estimator, 314159);
    expect(Math.abs(mean(estimates.champion) - TRUE_MEAN.champion)).toBeLessThan(0.01);
    expect(Math.abs(mean(estimates.challenger) - TRUE_MEAN.challenger)).toBeLessThan(0.01);
  });

  it('corrects the bias of the plain per-arm average, which the bandit pushes down', () => {
    const { estimates } = simulate('self-normalized', 314159);
    // The arm that starts unlucky loses its traffic before it can recover, so its plain average is low.
    const naiveBias = TRUE_MEAN.champion - mean(estimates.naiveChampion);
    const ipwBias = Math.abs(TRUE_MEAN.champion - mean(estimates.champion));
    expect(naiveBias).toBeGreaterThan(0.01);
    expect(ipwBias).toBeLessThan(naiveBias / 3);
  });

  it.each<IpwEstimator>(['horvitz-thompson', 'self-normalized'])('%s: the variance estimate matches the spread of estimates', (estimator) => {
    const { differences, estimatedVariances } = simulate(estimator, 271828);
    const ratio = mean(estimatedVariances) / variance(differences);
    expect(ratio).toBeGreaterThan(0.75);
    expect(ratio).toBeLessThan(1.33);
  });

  it('the mixture interval for the difference covers the truth in at least 1 − α of logs', () => {
    expect(simulate('self-normalized', 161803).missRate).toBeLessThanOrEqual(0.05);
  });
});

describe('reward sums', () => {
  it('are the same whether added one by one or from a list', () => {
    const records: RewardRecord[] = [
      { arm: 'champion', reward: 1, propensity: 0.5 },
      { arm: 'challenger', reward: 0.25, propensity: 0.2 },
      { arm: 'challenger', reward: 0.75, propensity: 0.8 },
    ];
    const oneByOne = records.reduce(addRewardRecord, EMPTY_REWARD_SUMS);
    expect(oneByOne).toEqual(rewardSumsOf(records));
    expect(oneByOne.challenger).toMatchObject({ records: 2, sumWeight: 5 + 1.25, sumWeightReward: 5 * 0.25 + 1.25 * 0.75 });
  });

  it('equal propensities give plain means (a fixed split is a special case)', () => {
    const records: RewardRecord[] = [1, 0, 1, 1].map((reward) => ({ arm: 'challenger', reward, propensity: 0.5 }));
    records.push(...[0, 1].map((reward): RewardRecord => ({ arm: 'champion', reward, propensity: 0.5 })));
    const sums = rewardSumsOf(records);
    expect(estimateArm(sums, 'challenger', 'self-normalized').mean).toBeCloseTo(0.75);
    expect(estimateArm(sums, 'champion', 'self-normalized').mean).toBeCloseTo(0.5);
    expect(estimateArm(sums, 'challenger', 'self-normalized').effectiveSampleSize).toBeCloseTo(4);
  });

  it('rejects a propensity outside (0, 1] and a non-finite reward', () => {
    expect(() => addRewardRecord(EMPTY_REWARD_SUMS, { arm: 'champion', reward: 1, propensity: 0 })).toThrow(/propensity/);
    expect(() => addRewardRecord(EMPTY_REWARD_SUMS, { arm: 'champion', reward: 1, propensity: 1.5 })).toThrow(/propensity/);
    expect(() => addRewardRecord(EMPTY_REWARD_SUMS, { arm: 'champion', reward: Number.NaN, propensity: 1 })).toThrow(/reward/);
  });

  it('reports no estimate for an arm without records', () => {
    const estimate = estimateArm(EMPTY_REWARD_SUMS, 'challenger', 'horvitz-thompson');
    expect(estimate.records).toBe(0);
    expect(estimate.mean).toBeNaN();
    expect(estimate.variance).toBe(Number.POSITIVE_INFINITY);
  });
});
