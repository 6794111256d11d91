// The bandit reward of one call, in [0, 1]: a failure earns 0 (a fast error is not a good answer);
// a success earns a weighted mix of "it worked", "it was fast" and "it was cheap", each term
// normalized against a reference and clamped so one slow outlier cannot dominate a posterior.
import type { OutcomeClass } from './outcome.js';

export interface RewardWeights {
  success: number;
  latency: number;
  cost: number;
  /** Latency that scores 0 on the latency term (and anything slower too). */
  referenceLatencyMs: number;
  /** Cost per call that scores 0 on the cost term; 0 disables the cost term. */
  referenceCostPerCall: number;
}

/** Cost is off by default: costPerCall's unit is the operator's, so only they can set its scale. */
export const DEFAULT_REWARD_WEIGHTS: Readonly<RewardWeights> = Object.freeze({
  success: 0.8,
  latency: 0.2,
  cost: 0,
  referenceLatencyMs: 2_000,
  referenceCostPerCall: 0,
});

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : Number.isNaN(x) ? 1 : x);

/** undefined for outcomes that are not counted (cancellations, auth denials). */
export function callReward(
  outcome: OutcomeClass,
  latencyMs: number,
  costPerCall: number,
  weights: RewardWeights = DEFAULT_REWARD_WEIGHTS,
): number | undefined {
  if (outcome === 'ignored') return undefined;
  if (outcome === 'failure') return 0;
  const costWeight = weights.referenceCostPerCall > 0 ? weights.cost : 0;
  const total = weights.success + weights.latency + costWeight;
  if (total <= 0) return 1;
  const latencyScore = 1 - clamp01(latencyMs / weights.referenceLatencyMs);
  const costScore = costWeight > 0 ? 1 - clamp01(costPerCall / weights.referenceCostPerCall) : 0;
  return clamp01((weights.success + weights.latency * latencyScore + costWeight * costScore) / total);
}
