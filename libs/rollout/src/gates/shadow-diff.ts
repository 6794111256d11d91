// Shadow gate: the share of mirrored calls whose challenger response differed from the champion's
// beyond the learned noise. Judged once enough comparisons exist; a threshold like the p95 gate.
import type { RolloutConfig } from '../config.js';
import type { ShadowMetrics } from '../analysis-metrics.js';
import type { GateResult } from './gate-result.js';

export function shadowDiffGate(shadow: ShadowMetrics | undefined, config: RolloutConfig['shadow']): GateResult {
  const compared = shadow?.compared ?? 0;
  const differing = shadow?.differing ?? 0;
  const diffRate = compared > 0 ? differing / compared : 0;
  const details = { compared, differing, diffRate, maxDiffRate: config.maxDiffRate, minComparisons: config.minComparisons };
  if (compared < config.minComparisons) {
    return { gate: 'shadowDiff', verdict: 'wait', reason: `${compared} of ${config.minComparisons} shadow comparisons so far`, details };
  }
  const tooDifferent = diffRate > config.maxDiffRate;
  return {
    gate: 'shadowDiff',
    verdict: tooDifferent ? 'breach' : 'pass',
    reason: `shadow diff rate ${(diffRate * 100).toFixed(2)}% ${tooDifferent ? 'exceeds' : 'within'} ${(config.maxDiffRate * 100).toFixed(2)}% over ${compared} comparisons`,
    details,
  };
}
