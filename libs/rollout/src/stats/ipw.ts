// Inverse-propensity-weighted estimates of each arm's mean reward from bandit-allocated calls.
//
// A bandit sends more traffic to the arm that looks better, so a plain per-arm average is biased
// (an arm's unlucky early calls make it get fewer later calls that could have corrected them).
// Weighting each call by 1 / P(its arm was chosen) undoes that: the Horvitz-Thompson mean
// (1/N) Σ 1[armᵢ = a] rᵢ / pᵢ is unbiased when pᵢ is the propensity the router recorded at
// assignment time, even though pᵢ changes as the bandit learns. The self-normalised (Hájek) mean
// Σ wᵢ rᵢ / Σ wᵢ trades a small bias for much less variance when some propensities are small; the
// router's floor share keeps propensities away from 0, which keeps both well behaved.
//
// Everything is computed from per-arm running sums, so the control plane can aggregate records in
// the database or in Redis and hand over a few numbers instead of every call.

export type Arm = 'champion' | 'challenger';

export interface RewardRecord {
  readonly arm: Arm;
  /** Reward of the call, on the router's scale (success, latency and cost combined), within [0, 1]. */
  readonly reward: number;
  /** Probability with which the router chose this arm for this call, in (0, 1]. */
  readonly propensity: number;
}

/** Running sums over the records of one arm, with wᵢ = 1 / pᵢ. */
export interface ArmRewardSums {
  readonly records: number;
  readonly sumWeight: number;
  readonly sumWeightReward: number;
  readonly sumSquaredWeight: number;
  readonly sumSquaredWeightReward: number;
  readonly sumSquaredWeightSquaredReward: number;
}

export interface RewardSums {
  readonly champion: ArmRewardSums;
  readonly challenger: ArmRewardSums;
}

export type IpwEstimator = 'self-normalized' | 'horvitz-thompson';

export interface IpwEstimate {
  readonly mean: number;
  /** Estimated variance of `mean` (not of a single reward). */
  readonly variance: number;
  readonly records: number;
  /** Kish's effective sample size (Σw)² / Σw²: how many unweighted records this is worth. */
  readonly effectiveSampleSize: number;
}

const EMPTY_ARM: ArmRewardSums = {
  records: 0,
  sumWeight: 0,
  sumWeightReward: 0,
  sumSquaredWeight: 0,
  sumSquaredWeightReward: 0,
  sumSquaredWeightSquaredReward: 0,
};

export const EMPTY_REWARD_SUMS: RewardSums = { champion: EMPTY_ARM, challenger: EMPTY_ARM };

export function addRewardRecord(sums: RewardSums, { arm, reward, propensity }: RewardRecord): RewardSums {
  if (!(propensity > 0 && propensity <= 1)) throw new RangeError(`propensity must be within (0, 1], got ${propensity}`);
  if (!Number.isFinite(reward)) throw new RangeError(`reward must be a finite number, got ${reward}`);
  const w = 1 / propensity;
  const s = sums[arm];
  const updated: ArmRewardSums = {
    records: s.records + 1,
    sumWeight: s.sumWeight + w,
    sumWeightReward: s.sumWeightReward + w * reward,
    sumSquaredWeight: s.sumSquaredWeight + w * w,
    sumSquaredWeightReward: s.sumSquaredWeightReward + w * w * reward,
    sumSquaredWeightSquaredReward: s.sumSquaredWeightSquaredReward + w * w * reward * reward,
  };
  return { ...sums, [arm]: updated };
}

export function rewardSumsOf(records: Iterable<RewardRecord>): RewardSums {
  let sums = EMPTY_REWARD_SUMS;
  for (const record of records) sums = addRewardRecord(sums, record);
  return sums;
}

export function totalRecords(sums: RewardSums): number {
  return sums.champion.records + sums.challenger.records;
}

/** Sample variance of Yᵢ over all N records, where Yᵢ sums to `sum` and Yᵢ² to `sumOfSquares`. */
function sampleVariance(sum: number, sumOfSquares: number, n: number): number {
  if (n < 2) return Number.POSITIVE_INFINITY;
  return Math.max(0, (sumOfSquares - (sum * sum) / n) / (n - 1));
}

/** Σ wᵢ² (rᵢ − μ)² over one arm's records, expanded so it needs only the running sums. */
function squaredWeightedResiduals(s: ArmRewardSums, mean: number): number {
  return Math.max(
    0,
    s.sumSquaredWeightSquaredReward - 2 * mean * s.sumSquaredWeightReward + mean * mean * s.sumSquaredWeight,
  );
}

export function estimateArm(sums: RewardSums, arm: Arm, estimator: IpwEstimator): IpwEstimate {
  const s = sums[arm];
  const n = totalRecords(sums);
  const effectiveSampleSize = s.sumSquaredWeight > 0 ? (s.sumWeight * s.sumWeight) / s.sumSquaredWeight : 0;
  if (s.records === 0) return { mean: Number.NaN, variance: Number.POSITIVE_INFINITY, records: 0, effectiveSampleSize };
  if (estimator === 'horvitz-thompson') {
    // Yᵢ = 1[armᵢ = a] wᵢ rᵢ over all N records (zero for the other arm's records).
    const mean = s.sumWeightReward / n;
    return { mean, variance: sampleVariance(s.sumWeightReward, s.sumSquaredWeightSquaredReward, n) / n, records: s.records, effectiveSampleSize };
  }
  // Hájek: delta-method (linearised) variance Σ wᵢ² (rᵢ − μ)² / (Σ wᵢ)².
  const mean = s.sumWeightReward / s.sumWeight;
  const variance = s.records < 2 ? Number.POSITIVE_INFINITY : squaredWeightedResiduals(s, mean) / (s.sumWeight * s.sumWeight);
  return { mean, variance, records: s.records, effectiveSampleSize };
}

export interface IpwDifference {
  /** Challenger mean reward minus champion mean reward. */
  readonly difference: number;
  readonly variance: number;
  readonly champion: IpwEstimate;
  readonly challenger: IpwEstimate;
}

export function estimateDifference(sums: RewardSums, estimator: IpwEstimator): IpwDifference {
  const champion = estimateArm(sums, 'champion', estimator);
  const challenger = estimateArm(sums, 'challenger', estimator);
  const difference = challenger.mean - champion.mean;
  if (estimator === 'self-normalized') {
    // The two arms' linearised terms live on disjoint records, so their covariance is zero.
    return { difference, variance: champion.variance + challenger.variance, champion, challenger };
  }
  // Horvitz-Thompson: Dᵢ = Yᵢ(challenger) − Yᵢ(champion); each record feeds one arm, so Σ Dᵢ² is
  // the sum of both arms' Σ wᵢ² rᵢ², and the centring term carries their negative covariance.
  const n = totalRecords(sums);
  const sumD = sums.challenger.sumWeightReward - sums.champion.sumWeightReward;
  const sumD2 = sums.challenger.sumSquaredWeightSquaredReward + sums.champion.sumSquaredWeightSquaredReward;
  return { difference, variance: sampleVariance(sumD, sumD2, n) / n, champion, challenger };
}
