// Which gates apply in which phase, and their combined verdict. The result is what an analysis
// event stores as its metrics snapshot.
//
//   phase     ready to move on when                                         breach (roll back) when
//   PILOT     never by analysis (an operator advances)                      error rate / p95 (if traffic)
//   SHADOW    enough comparisons and time, diff rate ≤ max, tools gate      diff rate > max, error rate, p95
//   CANARY    enough challenger calls and time in the step                 error rate, p95
//   BANDIT    enough challenger calls and time                              error rate, p95
//   DECISION  enough reward records and time, challenger non-inferior       error rate, p95, surely worse
import type { AnalysisMetrics } from '../analysis-metrics.js';
import { challengerCalls } from '../analysis-metrics.js';
import type { LadderPhase } from '../phases.js';
import type { RolloutState } from '../state.js';
import { totalRecords } from '../stats/ipw.js';
import { decisionGate } from './decision.js';
import { errorRateGates } from './error-rate.js';
import { combineVerdicts, type GateResult, type GateVerdict } from './gate-result.js';
import { latencyGates } from './latency.js';
import { sampleGate } from './sample.js';
import { shadowDiffGate } from './shadow-diff.js';
import { toolsHashGate } from './tools-hash.js';

export interface Assessment {
  readonly phase: LadderPhase;
  readonly verdict: GateVerdict;
  readonly window: { readonly from: number; readonly to: number };
  readonly toolsHashChanged: boolean;
  readonly gates: readonly GateResult[];
}

function phaseGates(phase: LadderPhase, state: RolloutState, metrics: AnalysisMetrics, now: number): GateResult[] {
  const { config } = state;
  const elapsedMs = Math.max(0, now - state.stepStartedAt);
  switch (phase) {
    case 'PILOT':
      return [
        {
          gate: 'sample',
          verdict: 'wait',
          reason: 'PILOT is manual: an operator advances it',
          details: { challengerCalls: challengerCalls(metrics) },
        },
      ];
    case 'SHADOW':
      return [
        sampleGate({
          counting: 'shadow comparisons',
          have: metrics.shadow?.compared ?? 0,
          need: config.shadow.minComparisons,
          elapsedMs,
          minDurationMs: config.shadow.minDurationMs,
        }),
        shadowDiffGate(metrics.shadow, config.shadow),
      ];
    case 'CANARY':
      return [
        sampleGate({
          counting: 'challenger calls',
          have: challengerCalls(metrics),
          need: config.canary.minCallsPerStep,
          elapsedMs,
          minDurationMs: config.canary.minStepDurationMs,
        }),
      ];
    case 'BANDIT':
      return [
        sampleGate({
          counting: 'challenger calls',
          have: challengerCalls(metrics),
          need: config.bandit.minCalls,
          elapsedMs,
          minDurationMs: config.bandit.minDurationMs,
        }),
      ];
    case 'DECISION':
      return [
        sampleGate({
          counting: 'reward records',
          have: metrics.rewards ? totalRecords(metrics.rewards) : 0,
          need: config.decision.minRecords,
          elapsedMs,
          minDurationMs: config.decision.minDurationMs,
        }),
        decisionGate(metrics.rewards, config.decision),
      ];
  }
}

export function assess(phase: LadderPhase, state: RolloutState, metrics: AnalysisMetrics, now: number): Assessment {
  const gates = [
    toolsHashGate(state.toolsHash, state.config.toolsHashChange, phase),
    ...phaseGates(phase, state, metrics, now),
    ...errorRateGates(metrics.nodepools, state.config.errorRate),
    ...latencyGates(metrics.nodepools, state.config.latency),
  ];
  return {
    phase,
    verdict: combineVerdicts(gates),
    window: { from: state.stepStartedAt, to: now },
    toolsHashChanged: state.toolsHash.champion !== state.toolsHash.challenger,
    gates,
  };
}

/** The assessment as the JSON an event stores. */
export function snapshotOf(assessment: Assessment): Record<string, unknown> {
  return { ...assessment, gates: assessment.gates.map((g) => ({ ...g })) };
}
