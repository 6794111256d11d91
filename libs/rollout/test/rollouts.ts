// Rollouts in a given phase, reached the way an operator would reach them (start, then commands),
// so the specs never hand-build a state the machine could not produce.
import type { LadderPhase, RolloutPhase } from '../src/phases.js';
import { startRollout, type RolloutState } from '../src/state.js';
import { transition } from '../src/state-machine/transition.js';

export const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export const SAME_TOOLS = { champion: 'sha256:tools-v1', challenger: 'sha256:tools-v1' };
export const CHANGED_TOOLS = { champion: 'sha256:tools-v1', challenger: 'sha256:tools-v2' };

export function started(config: unknown = {}, toolsHash = SAME_TOOLS): RolloutState {
  return startRollout({ config, toolsHash, actorKeyId: 'key-operator' }, T0).state;
}

/** Advance from PILOT by operator commands until `phase`, all at time `at`. */
export function inLadderPhase(phase: LadderPhase, config: unknown = {}, at = T0, toolsHash = SAME_TOOLS): RolloutState {
  let state = started(config, toolsHash);
  while (state.phase !== phase) {
    if (state.phase === 'PROMOTED') throw new Error(`${phase} is not on this rollout's ladder`);
    state = transition(state, { type: 'command', command: 'advance' }, at).state;
  }
  return state;
}

export function inPhase(phase: RolloutPhase, config: unknown = {}, at = T0): RolloutState {
  switch (phase) {
    case 'PAUSED':
      return transition(inLadderPhase('CANARY', config, at), { type: 'command', command: 'pause' }, at).state;
    case 'PROMOTED':
      return transition(started(config), { type: 'command', command: 'promoteNow' }, at).state;
    case 'ROLLED_BACK':
      return transition(started(config), { type: 'command', command: 'rollback' }, at).state;
    case 'ABORTED':
      return transition(started(config), { type: 'command', command: 'abort' }, at).state;
    default:
      return inLadderPhase(phase, config, at);
  }
}
