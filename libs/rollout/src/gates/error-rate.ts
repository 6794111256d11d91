// Error-rate gate: the challenger's error rate against the champion's, nodepool by nodepool, with
// the mSPRT so it can be checked on every tick. Any nodepool breaching is a breach (the worst
// nodepool decides): a version that fails only on-prem must not be averaged away by SaaS traffic.
import type { RolloutConfig } from '../config.js';
import type { NodepoolMetrics } from '../analysis-metrics.js';
import { twoProportionMsprt } from '../stats/msprt.js';
import type { GateResult } from './gate-result.js';

const percent = (x: number): string => `${(x * 100).toFixed(2)}%`;

export function errorRateGates(nodepools: readonly NodepoolMetrics[], config: RolloutConfig['errorRate']): GateResult[] {
  return nodepools.map(({ nodepoolId, champion, challenger }) => {
    const counts = {
      championCalls: champion.calls,
      championErrors: champion.errors,
      challengerCalls: challenger.calls,
      challengerErrors: challenger.errors,
    };
    if (Math.min(champion.calls, challenger.calls) < config.minCallsPerNodepool) {
      // Too little to compare; the sample gate decides whether the phase has seen enough calls.
      return {
        gate: 'errorRate',
        verdict: 'pass',
        nodepoolId,
        reason: `nodepool ${nodepoolId}: fewer than ${config.minCallsPerNodepool} calls on an arm, not compared yet`,
        details: { compared: false, ...counts },
      };
    }
    const test = twoProportionMsprt(champion, challenger, {
      alpha: config.alpha,
      nullDifference: config.maxIncrease,
      mixtureStdDev: config.mixtureStdDev,
    });
    const details = {
      compared: true,
      ...counts,
      test: 'mSPRT (normal mixture), two proportions',
      championRate: test.championRate,
      challengerRate: test.challengerRate,
      difference: test.difference,
      interval: test.interval,
      alpha: config.alpha,
      maxIncrease: config.maxIncrease,
      logLikelihoodRatio: test.logLikelihoodRatio,
      pValue: test.pValue,
    };
    const worse = test.rejectsNull && test.difference > config.maxIncrease;
    return {
      gate: 'errorRate',
      verdict: worse ? 'breach' : 'pass',
      nodepoolId,
      reason: worse
        ? `nodepool ${nodepoolId}: challenger error rate ${percent(test.challengerRate)} exceeds champion ${percent(test.championRate)} + ${percent(config.maxIncrease)} (always-valid p = ${test.pValue.toPrecision(2)})`
        : `nodepool ${nodepoolId}: no evidence that the challenger errs more (${percent(test.challengerRate)} vs ${percent(test.championRate)})`,
      details,
    };
  });
}
