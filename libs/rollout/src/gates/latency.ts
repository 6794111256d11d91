// p95 latency gate, per nodepool: challenger p95 ≤ champion p95 × (1 + tolerance) + slack.
// A threshold, not a test: quantile tests under repeated looks need raw samples we do not keep, so
// noise is handled by a minimum sample count per arm and by the tolerance and slack.
import type { RolloutConfig } from '../config.js';
import type { NodepoolMetrics } from '../analysis-metrics.js';
import type { GateResult } from './gate-result.js';

export function latencyGates(nodepools: readonly NodepoolMetrics[], config: RolloutConfig['latency']): GateResult[] {
  return nodepools.map(({ nodepoolId, champion, challenger }) => {
    const championLatency = champion.latency;
    const challengerLatency = challenger.latency;
    if (
      !championLatency ||
      !challengerLatency ||
      Math.min(championLatency.count, challengerLatency.count) < config.minSamplesPerNodepool
    ) {
      return {
        gate: 'latency',
        verdict: 'pass',
        nodepoolId,
        reason: `nodepool ${nodepoolId}: fewer than ${config.minSamplesPerNodepool} latency samples on an arm, not compared yet`,
        details: { compared: false, championCount: championLatency?.count ?? 0, challengerCount: challengerLatency?.count ?? 0 },
      };
    }
    const limitMs = championLatency.p95Ms * (1 + config.p95Tolerance) + config.p95SlackMs;
    const slower = challengerLatency.p95Ms > limitMs;
    return {
      gate: 'latency',
      verdict: slower ? 'breach' : 'pass',
      nodepoolId,
      reason: `nodepool ${nodepoolId}: challenger p95 ${challengerLatency.p95Ms} ms ${slower ? 'exceeds' : 'within'} the limit of ${limitMs.toFixed(1)} ms (champion p95 ${championLatency.p95Ms} ms)`,
      details: {
        compared: true,
        championP95Ms: championLatency.p95Ms,
        challengerP95Ms: challengerLatency.p95Ms,
        championCount: championLatency.count,
        challengerCount: challengerLatency.count,
        limitMs,
      },
    };
  });
}
