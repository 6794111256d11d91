// What the control plane measures and hands to an analysis tick. All counts cover the analysis
// window: from `analysisWindowStart(state)` (the start of the current canary step, or of the
// phase) until `now`, for both arms over the same window so they see the same traffic conditions.
import type { RewardSums } from './stats/ipw.js';

export interface LatencySummary {
  /** Calls whose latency is known (finished calls; timeouts count at their timeout). */
  readonly count: number;
  readonly p95Ms: number;
}

export interface ArmCallMetrics {
  readonly calls: number;
  /** Failures per the router's outcome map: isError, JSON-RPC errors, timeouts (not cancellations or auth denials). */
  readonly errors: number;
  readonly latency: LatencySummary | null;
}

/** One nodepool's numbers: arms are only ever compared within a nodepool, never across. */
export interface NodepoolMetrics {
  readonly nodepoolId: string;
  readonly champion: ArmCallMetrics;
  readonly challenger: ArmCallMetrics;
}

export interface ShadowMetrics {
  /** Mirrored calls whose responses were compared. */
  readonly compared: number;
  /** Of those, responses that differed beyond the noise learned from champion-vs-champion pairs. */
  readonly differing: number;
}

export interface AnalysisMetrics {
  readonly nodepools: readonly NodepoolMetrics[];
  /** SHADOW (and a SHADOW paused): the comparison counts. */
  readonly shadow?: ShadowMetrics;
  /** BANDIT and DECISION: inverse-propensity sums of per-call rewards, see stats/ipw.ts. */
  readonly rewards?: RewardSums;
}

export function challengerCalls(metrics: AnalysisMetrics): number {
  return metrics.nodepools.reduce((sum, pool) => sum + pool.challenger.calls, 0);
}
