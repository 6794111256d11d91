// An analysis tick: judge the gates of the current phase on fresh metrics and act. In order:
//   1. terminal phase          nothing to do (an operator may have ended it a moment ago)
//   2. any gate breaches       roll back at once, even while PAUSED (a paused canary still serves)
//   3. max duration reached    the phase's configured outcome (default: roll back)
//   4. PAUSED                  hold: analysis never resumes or advances a paused rollout
//   5. every gate passes       step the canary, or move up a rung (DECISION → PROMOTED)
//   6. otherwise               hold: no event, the assessment is returned for display
import type { AnalysisMetrics } from '../analysis-metrics.js';
import type { RolloutConfig } from '../config.js';
import { assess, snapshotOf, type Assessment } from '../gates/assess.js';
import { isTerminal, type LadderPhase } from '../phases.js';
import type { RolloutState, TransitionResult } from '../state.js';
import { advanceFrom, enterPhase, gatedPhase, resume, stepCanary, type Cause } from './moves.js';

export interface AnalysisTick {
  readonly type: 'analysis';
  readonly metrics: AnalysisMetrics;
}

export interface AnalysisResult extends TransitionResult {
  /** What the gates said; null on a terminal rollout. */
  readonly assessment: Assessment | null;
}

const PHASE_CONFIG_KEY: Record<LadderPhase, 'pilot' | 'shadow' | 'canary' | 'bandit' | 'decision'> = {
  PILOT: 'pilot',
  SHADOW: 'shadow',
  CANARY: 'canary',
  BANDIT: 'bandit',
  DECISION: 'decision',
};

export function maxDurationOf(config: RolloutConfig, phase: LadderPhase | 'PAUSED'): number {
  return phase === 'PAUSED' ? config.paused.maxDurationMs : config[PHASE_CONFIG_KEY[phase]].maxDurationMs;
}

const minutes = (ms: number): string => `${Math.round(ms / 60_000)} min`;

export function applyAnalysis(state: RolloutState, tick: AnalysisTick, now: number): AnalysisResult {
  if (isTerminal(state.phase)) return { state, events: [], assessment: null };
  const phase = gatedPhase(state);
  const assessment = assess(phase, state, tick.metrics, now);
  const metrics = snapshotOf(assessment);
  const because = (reason: string): Cause => ({ actorType: 'ANALYSIS', actorKeyId: null, reason, metrics });
  const withAssessment = (result: TransitionResult): AnalysisResult => ({ ...result, assessment });

  if (assessment.verdict === 'breach') {
    const reasons = assessment.gates.filter((g) => g.verdict === 'breach').map((g) => g.reason);
    return withAssessment(enterPhase(state, 'ROLLED_BACK', because(`gate breached: ${reasons.join('; ')}`), now));
  }

  const paused = state.phase === 'PAUSED';
  const maxDurationMs = maxDurationOf(state.config, paused ? 'PAUSED' : phase);
  if (now - state.phaseStartedAt >= maxDurationMs) {
    const outcome = paused ? state.config.paused.onMaxDuration : state.config[PHASE_CONFIG_KEY[phase]].onMaxDuration;
    const cause = because(
      `${paused ? `PAUSED (from ${phase})` : phase} reached its maximum duration of ${minutes(maxDurationMs)} without a verdict: ${outcome}`,
    );
    switch (outcome) {
      case 'rollback':
        return withAssessment(enterPhase(state, 'ROLLED_BACK', cause, now));
      case 'abort':
        return withAssessment(enterPhase(state, 'ABORTED', cause, now));
      case 'resume':
        return withAssessment(resume(state, phase, cause, now));
      case 'advance':
        return withAssessment(advanceFrom(state, phase, cause, now));
    }
  }

  if (paused || assessment.verdict !== 'pass') return { state, events: [], assessment };

  const passed = because(`gates passed in ${phase}`);
  if (phase === 'CANARY' && state.canaryStep + 1 < state.config.canary.steps.length) {
    return withAssessment(stepCanary(state, passed, now));
  }
  return withAssessment(advanceFrom(state, phase, passed, now));
}
