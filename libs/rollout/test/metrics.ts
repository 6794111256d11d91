// Builders for analysis metrics in the specs: one line per nodepool instead of a nested literal.
import type { AnalysisMetrics, ArmCallMetrics, NodepoolMetrics } from '../src/analysis-metrics.js';

export function arm(calls: number, errors: number, p95Ms: number | null = null, latencyCount = calls): ArmCallMetrics {
  return { calls, errors, latency: p95Ms === null ? null : { count: latencyCount, p95Ms } };
}

export function pool(nodepoolId: string, champion: ArmCallMetrics, challenger: ArmCallMetrics): NodepoolMetrics {
  return { nodepoolId, champion, challenger };
}

/** Healthy traffic: both arms at a 1% error rate and the same p95. */
export function healthy(challengerCalls: number, nodepoolId = 'saas-eu'): AnalysisMetrics {
  const championCalls = challengerCalls * 4;
  return {
    nodepools: [pool(nodepoolId, arm(championCalls, Math.round(championCalls * 0.01), 120), arm(challengerCalls, Math.round(challengerCalls * 0.01), 118))],
  };
}

export const NO_METRICS: AnalysisMetrics = { nodepools: [] };
