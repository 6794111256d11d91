// DECISION gate: is the challenger at least as good as the champion, on bandit-allocated data?
// The rewards come from a bandit, so arms are compared with inverse-propensity-weighted means
// (stats/ipw.ts), and the verdict uses the normal-mixture confidence sequence for their difference
// so the decision, too, may be re-evaluated on every tick.
//
//   pass (promote):  lower bound > −margin   the challenger is surely not worse than the margin
//   breach (roll back): upper bound < −margin   the challenger is surely worse than the margin
//   wait:            otherwise, until the phase's maximum duration decides
import type { RolloutConfig } from '../config.js';
import { estimateDifference, totalRecords, type RewardSums } from '../stats/ipw.js';
import { mixtureHalfWidth, mixtureLogLikelihoodRatio, pValueFromLogLikelihoodRatio } from '../stats/normal-mixture.js';
import type { GateResult } from './gate-result.js';

const interval = (mean: number, variance: number, alpha: number, mixtureStdDev: number): [number, number] => {
  const halfWidth = mixtureHalfWidth(variance, alpha, { mixtureStdDev });
  return [mean - halfWidth, mean + halfWidth];
};

export function decisionGate(rewards: RewardSums | undefined, config: RolloutConfig['decision']): GateResult {
  if (!rewards || rewards.champion.records < 2 || rewards.challenger.records < 2) {
    return {
      gate: 'decision',
      verdict: 'wait',
      reason: 'not enough reward records on both arms yet',
      details: { records: rewards ? totalRecords(rewards) : 0 },
    };
  }
  const { alpha, mixtureStdDev, estimator, nonInferiorityMargin: margin } = config;
  const estimate = estimateDifference(rewards, estimator);
  const [lower, upper] = interval(estimate.difference, estimate.variance, alpha, mixtureStdDev);
  const logLikelihoodRatio = mixtureLogLikelihoodRatio(estimate.difference, estimate.variance, -margin, { mixtureStdDev });
  const arm = (e: typeof estimate.champion) => ({
    mean: e.mean,
    interval: interval(e.mean, e.variance, alpha, mixtureStdDev),
    records: e.records,
    effectiveSampleSize: e.effectiveSampleSize,
  });
  const details = {
    estimator,
    champion: arm(estimate.champion),
    challenger: arm(estimate.challenger),
    difference: estimate.difference,
    interval: [lower, upper],
    nonInferiorityMargin: margin,
    alpha,
    // H0: difference = −margin (the challenger is exactly "as bad as tolerated").
    logLikelihoodRatio,
    pValue: pValueFromLogLikelihoodRatio(logLikelihoodRatio),
  };
  const fmt = (x: number) => x.toFixed(4);
  if (lower > -margin) {
    return { gate: 'decision', verdict: 'pass', reason: `challenger reward not worse than champion by more than ${margin}: difference ${fmt(estimate.difference)} in [${fmt(lower)}, ${fmt(upper)}]`, details };
  }
  if (upper < -margin) {
    return { gate: 'decision', verdict: 'breach', reason: `challenger reward worse than champion by more than ${margin}: difference ${fmt(estimate.difference)} in [${fmt(lower)}, ${fmt(upper)}]`, details };
  }
  return { gate: 'decision', verdict: 'wait', reason: `inconclusive: difference ${fmt(estimate.difference)} in [${fmt(lower)}, ${fmt(upper)}]`, details };
}
