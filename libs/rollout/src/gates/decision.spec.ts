import { seededRandom } from '../../test/prng.js';
import { parseRolloutConfig } from '../config.js';
import { rewardSumsOf, type RewardRecord } from '../stats/ipw.js';
import { decisionGate } from './decision.js';

const config = parseRolloutConfig({}).decision; // margin 0.02, α 0.05

function records(seed: number, n: number, championMean: number, challengerMean: number): RewardRecord[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (): RewardRecord => {
    const challengerPropensity = 0.3 + 0.4 * random(); // varies, as a bandit's would
    const arm = random() < challengerPropensity ? 'challenger' : 'champion';
    const propensity = arm === 'challenger' ? challengerPropensity : 1 - challengerPropensity;
    const reward = random() < (arm === 'challenger' ? challengerMean : championMean) ? 1 : 0;
    return { arm, reward, propensity };
  });
}

describe('decisionGate', () => {
  it('promotes (passes) a challenger that is as good as the champion, once the data is conclusive', () => {
    const result = decisionGate(rewardSumsOf(records(1, 40_000, 0.8, 0.82)), config);
    expect(result.verdict).toBe('pass');
    expect(result.details).toMatchObject({ estimator: 'self-normalized', nonInferiorityMargin: 0.02 });
    const [lower] = result.details['interval'] as [number, number];
    expect(lower).toBeGreaterThan(-0.02);
  });

  it('rolls back (breaches) a challenger that is surely worse by more than the margin', () => {
    const result = decisionGate(rewardSumsOf(records(2, 5000, 0.8, 0.6)), config);
    expect(result.verdict).toBe('breach');
    expect(result.reason).toMatch(/worse than champion by more than 0\.02/);
  });

  it('waits while the interval straddles the margin', () => {
    expect(decisionGate(rewardSumsOf(records(3, 300, 0.8, 0.8)), config).verdict).toBe('wait');
  });

  it('waits without records on both arms', () => {
    expect(decisionGate(undefined, config).verdict).toBe('wait');
    expect(decisionGate(rewardSumsOf([{ arm: 'champion', reward: 1, propensity: 0.5 }]), config).verdict).toBe('wait');
  });

  it('puts per-arm estimates, intervals and sample sizes into the details', () => {
    const details = decisionGate(rewardSumsOf(records(4, 2000, 0.7, 0.7)), config).details;
    expect(details['champion']).toEqual({
      mean: expect.any(Number),
      interval: [expect.any(Number), expect.any(Number)],
      records: expect.any(Number),
      effectiveSampleSize: expect.any(Number),
    });
    expect(details).toHaveProperty('logLikelihoodRatio');
    expect(details).toHaveProperty('pValue');
  });
});
