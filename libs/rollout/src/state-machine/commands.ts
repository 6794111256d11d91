// Operator commands. Each applies to every non-terminal phase (PAUSED included) and is refused with
// a typed error on a terminal one: a finished rollout is history, and reverting a promoted version
// is a new rollout with the roles swapped.
//
//   command     from a ladder phase                 from PAUSED
//   rollback    → ROLLED_BACK, challenger 0          → ROLLED_BACK, challenger 0
//   abort       → ABORTED, challenger 0              → ABORTED, challenger 0
//   pause       → PAUSED, weights kept               refused: ALREADY_PAUSED
//   resume      refused: NOT_PAUSED                  → the paused phase, weights kept
//   promoteNow  → PROMOTED, challenger 1             → PROMOTED, challenger 1
//   advance     → the next rung (DECISION → PROMOTED) → the rung after the paused phase
//
// `advance` ignores gates: it is the operator's override (and how a blocked tool change is
// acknowledged). In CANARY it skips the remaining weight steps.
import { RolloutCommandRefused, type RolloutCommandName } from '../errors.js';
import { isTerminal } from '../phases.js';
import type { RolloutState, TransitionResult } from '../state.js';
import { advanceFrom, enterPhase, gatedPhase, pause, resume, type Cause } from './moves.js';

export interface RolloutCommand {
  readonly type: 'command';
  readonly command: RolloutCommandName;
  /** The operator's API key id (RolloutEvent.actorKeyId). */
  readonly actorKeyId?: string | null;
  /** Free text from the operator; a default sentence is used when absent. */
  readonly reason?: string;
}

const DEFAULT_REASON: Record<RolloutCommandName, string> = {
  rollback: 'operator rolled back',
  abort: 'operator aborted',
  pause: 'operator paused',
  resume: 'operator resumed',
  promoteNow: 'operator promoted now',
  advance: 'operator advanced',
};

export function applyCommand(state: RolloutState, input: RolloutCommand, now: number): TransitionResult {
  const { command } = input;
  if (isTerminal(state.phase)) throw new RolloutCommandRefused('TERMINAL_PHASE', command, state.phase);
  const cause: Cause = {
    actorType: 'USER',
    actorKeyId: input.actorKeyId ?? null,
    reason: input.reason?.trim() || DEFAULT_REASON[command],
    metrics: null,
  };
  const paused = state.phase === 'PAUSED';
  const ladderPhase = gatedPhase(state);
  switch (command) {
    case 'rollback':
      return enterPhase(state, 'ROLLED_BACK', cause, now);
    case 'abort':
      return enterPhase(state, 'ABORTED', cause, now);
    case 'promoteNow':
      return enterPhase(state, 'PROMOTED', cause, now);
    case 'pause':
      if (paused) throw new RolloutCommandRefused('ALREADY_PAUSED', command, state.phase);
      return pause(state, ladderPhase, cause, now);
    case 'resume':
      if (!paused) throw new RolloutCommandRefused('NOT_PAUSED', command, state.phase);
      return resume(state, ladderPhase, cause, now);
    case 'advance':
      return advanceFrom(state, ladderPhase, cause, now);
  }
}
