// The moves every input is made of: enter a phase (with the weights that phase implies), or step
// the canary. Each move returns the new state together with the one event describing it.
import type { RolloutConfig } from '../config.js';
import type { RolloutEventKind, RolloutEventRecord } from '../events.js';
import type { LadderPhase, RolloutPhase } from '../phases.js';
import type { RolloutState, TransitionResult } from '../state.js';
import { CHALLENGER_ONLY, CHAMPION_ONLY, challengerShare, type Weights } from '../weights.js';

/** Who caused a move and why; becomes the event's actor, reason and metrics. */
export interface Cause {
  readonly actorType: 'USER' | 'ANALYSIS';
  readonly actorKeyId: string | null;
  readonly reason: string;
  readonly metrics: Readonly<Record<string, unknown>> | null;
}

/** The rung after `phase`, skipping disabled phases; DECISION leads to PROMOTED. */
export function nextPhase(config: RolloutConfig, phase: LadderPhase): LadderPhase | 'PROMOTED' {
  switch (phase) {
    case 'PILOT':
      return config.shadow.enabled ? 'SHADOW' : 'CANARY';
    case 'SHADOW':
      return 'CANARY';
    case 'CANARY':
      return config.bandit.enabled ? 'BANDIT' : 'DECISION';
    case 'BANDIT':
      return 'DECISION';
    case 'DECISION':
      return 'PROMOTED';
  }
}

/** The weights a phase starts with. PAUSED keeps whatever the paused phase had. */
function entryWeights(config: RolloutConfig, phase: Exclude<RolloutPhase, 'PAUSED'>): Weights {
  switch (phase) {
    case 'PILOT':
    case 'SHADOW': // mirrored calls only: the challenger answers no one
    case 'ROLLED_BACK':
    case 'ABORTED':
      return CHAMPION_ONLY;
    case 'CANARY':
      return challengerShare(config.canary.steps[0] ?? 0);
    case 'BANDIT':
      return challengerShare(config.bandit.initialChallengerShare);
    case 'DECISION':
      return challengerShare(config.decision.challengerShare);
    case 'PROMOTED':
      return CHALLENGER_ONLY;
  }
}

const KIND_OF_ENTRY: Record<Exclude<RolloutPhase, 'PAUSED'>, RolloutEventKind> = {
  PILOT: 'ADVANCED',
  SHADOW: 'ADVANCED',
  CANARY: 'ADVANCED',
  BANDIT: 'ADVANCED',
  DECISION: 'ADVANCED',
  PROMOTED: 'PROMOTED',
  ROLLED_BACK: 'ROLLED_BACK',
  ABORTED: 'ABORTED',
};

function eventFor(before: RolloutState, after: RolloutState, kind: RolloutEventKind, cause: Cause, now: number): RolloutEventRecord {
  return {
    at: now,
    kind,
    fromPhase: before.phase,
    toPhase: after.phase,
    weights: after.weights,
    reason: cause.reason,
    metrics: cause.metrics,
    actorType: cause.actorType,
    actorKeyId: cause.actorKeyId,
  };
}

/** Enter a ladder or terminal phase afresh: its entry weights, a new phase clock, no pause. */
export function enterPhase(
  state: RolloutState,
  phase: Exclude<RolloutPhase, 'PAUSED'>,
  cause: Cause,
  now: number,
): TransitionResult {
  const ended = phase === 'PROMOTED' || phase === 'ROLLED_BACK' || phase === 'ABORTED';
  const next: RolloutState = {
    ...state,
    phase,
    pausedFromPhase: null,
    weights: entryWeights(state.config, phase),
    canaryStep: 0,
    phaseStartedAt: now,
    stepStartedAt: now,
    finishedAt: ended ? now : null,
  };
  return { state: next, events: [eventFor(state, next, KIND_OF_ENTRY[phase], cause, now)] };
}

/** Freeze the rollout where it is; weights stay, so a paused canary keeps serving its share. */
export function pause(state: RolloutState, from: LadderPhase, cause: Cause, now: number): TransitionResult {
  const next: RolloutState = { ...state, phase: 'PAUSED', pausedFromPhase: from, phaseStartedAt: now };
  return { state: next, events: [eventFor(state, next, 'PAUSED', cause, now)] };
}

/**
 * Back to the paused phase with its weights and canary step. The phase and step clocks restart:
 * the pause may have been long, and its minimum duration and maximum duration count afresh.
 */
export function resume(state: RolloutState, to: LadderPhase, cause: Cause, now: number): TransitionResult {
  const next: RolloutState = { ...state, phase: to, pausedFromPhase: null, phaseStartedAt: now, stepStartedAt: now };
  return { state: next, events: [eventFor(state, next, 'RESUMED', cause, now)] };
}

/** Next canary weight step; the caller checked there is one. */
export function stepCanary(state: RolloutState, cause: Cause, now: number): TransitionResult {
  const step = state.canaryStep + 1;
  const share = state.config.canary.steps[step];
  if (share === undefined) throw new RangeError(`canary has no step ${step}`);
  const next: RolloutState = { ...state, canaryStep: step, weights: challengerShare(share), stepStartedAt: now };
  return { state: next, events: [eventFor(state, next, 'WEIGHT_STEP', cause, now)] };
}

/** Move up one rung from `from` (the current phase, or the paused one). */
export function advanceFrom(state: RolloutState, from: LadderPhase, cause: Cause, now: number): TransitionResult {
  return enterPhase(state, nextPhase(state.config, from), cause, now);
}

/** The ladder phase whose gates apply: the current one, or the paused one while PAUSED. */
export function gatedPhase(state: RolloutState): LadderPhase {
  if (state.phase === 'PAUSED') {
    if (!state.pausedFromPhase) throw new Error('invalid rollout state: PAUSED without pausedFromPhase');
    return state.pausedFromPhase;
  }
  if (state.phase === 'PROMOTED' || state.phase === 'ROLLED_BACK' || state.phase === 'ABORTED') {
    throw new Error(`invalid use: ${state.phase} has no gates`);
  }
  return state.phase;
}
