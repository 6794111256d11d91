// The state of one rollout: everything the transition function needs, as plain JSON-friendly data.
// Times are epoch milliseconds passed in by the caller; nothing here reads a clock.
import { parseRolloutConfig, type RolloutConfig } from './config.js';
import type { RolloutEventRecord } from './events.js';
import type { LadderPhase, RolloutPhase } from './phases.js';
import { CHAMPION_ONLY, type Weights } from './weights.js';

export interface RolloutState {
  readonly phase: RolloutPhase;
  /** While PAUSED: the phase to return to on resume (Rollout.pausedFromPhase). */
  readonly pausedFromPhase: LadderPhase | null;
  readonly weights: Weights;
  /** Index into config.canary.steps of the current step; meaningful in CANARY (and CANARY paused). */
  readonly canaryStep: number;
  /** When the current phase began (PAUSED counts as a phase: when the pause began). */
  readonly phaseStartedAt: number;
  /**
   * When the current analysis window began: the current canary step, or the current ladder phase.
   * A pause keeps it (a paused rollout is still watched for breaches over the same window).
   */
  readonly stepStartedAt: number;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly toolsHash: { readonly champion: string; readonly challenger: string };
  readonly config: RolloutConfig;
}

export interface TransitionResult {
  readonly state: RolloutState;
  /** One event per change; empty when nothing changed. */
  readonly events: readonly RolloutEventRecord[];
}

export interface StartRolloutParams {
  /** Gate configuration as stored (Rollout.gateConfig); validated here, defaults filled in. */
  readonly config?: unknown;
  readonly toolsHash: { readonly champion: string; readonly challenger: string };
  /** The operator starting it. */
  readonly actorKeyId?: string | null;
}

/** A new rollout in PILOT: the challenger gets no routed traffic until an operator advances it. */
export function startRollout({ config, toolsHash, actorKeyId = null }: StartRolloutParams, now: number): TransitionResult {
  const parsed = parseRolloutConfig(config);
  const state: RolloutState = {
    phase: 'PILOT',
    pausedFromPhase: null,
    weights: CHAMPION_ONLY,
    canaryStep: 0,
    phaseStartedAt: now,
    stepStartedAt: now,
    startedAt: now,
    finishedAt: null,
    toolsHash,
    config: parsed,
  };
  const toolsHashChanged = toolsHash.champion !== toolsHash.challenger;
  return {
    state,
    events: [
      {
        at: now,
        kind: 'STARTED',
        fromPhase: null,
        toPhase: 'PILOT',
        weights: CHAMPION_ONLY,
        reason: toolsHashChanged ? 'rollout started; the challenger changes tool definitions' : 'rollout started',
        metrics: { toolsHashChanged, toolsHash, config: parsed },
        actorType: 'USER',
        actorKeyId,
      },
    ],
  };
}

/** Start of the window the next analysis tick's metrics should cover. */
export function analysisWindowStart(state: RolloutState): number {
  return state.stepStartedAt;
}
