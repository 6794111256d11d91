// The one entry point: transition(state, input, now) for an operator command or an analysis tick.
//
// Precedence. Inputs are applied one at a time (the control plane serialises them per rollout), and
// each applies to the state the previous one left: an analysis tick after an operator's rollback
// finds a terminal rollout and does nothing; a tick after a pause only watches for breaches. When
// several commands are pending at once, `applyPending` applies only the strongest, in this order
// (safety first), and reports the others as superseded; the analysis tick then runs on the result.
import type { RolloutCommandName } from '../errors.js';
import { RolloutCommandRefused } from '../errors.js';
import type { RolloutEventRecord } from '../events.js';
import type { Assessment } from '../gates/assess.js';
import type { RolloutState } from '../state.js';
import { applyAnalysis, type AnalysisResult, type AnalysisTick } from './analysis.js';
import { applyCommand, type RolloutCommand } from './commands.js';

export type RolloutInput = RolloutCommand | AnalysisTick;

export interface RolloutTransition {
  readonly state: RolloutState;
  readonly events: readonly RolloutEventRecord[];
  /** Set for analysis ticks on a live rollout. */
  readonly assessment: Assessment | null;
}

/** Strongest first. */
export const COMMAND_PRECEDENCE: readonly RolloutCommandName[] = ['rollback', 'abort', 'pause', 'resume', 'promoteNow', 'advance'];

/**
 * Applies one input. Commands on a terminal rollout (and pause/resume in the wrong phase) throw
 * RolloutCommandRefused and leave the state as it was; analysis ticks never throw for the phase.
 */
export function transition(state: RolloutState, input: RolloutInput, now: number): RolloutTransition {
  if (input.type === 'analysis') return applyAnalysis(state, input, now);
  return { ...applyCommand(state, input, now), assessment: null };
}

export interface PendingInputs {
  readonly commands: readonly RolloutCommand[];
  readonly analysis?: AnalysisTick;
}

export interface PendingResult extends RolloutTransition {
  readonly applied: RolloutCommand | null;
  /** Commands that were not applied: outranked by `applied`, or refused by the state machine. */
  readonly notApplied: ReadonlyArray<{ readonly command: RolloutCommand; readonly why: 'SUPERSEDED' | RolloutCommandRefused }>;
}

const rank = (c: RolloutCommand): number => COMMAND_PRECEDENCE.indexOf(c.command);

/** Applies the strongest pending command, then the analysis tick (if any) on the state it left. */
export function applyPending(state: RolloutState, pending: PendingInputs, now: number): PendingResult {
  const ordered = [...pending.commands].sort((a, b) => rank(a) - rank(b));
  const [strongest, ...rest] = ordered;
  const notApplied: Array<{ command: RolloutCommand; why: 'SUPERSEDED' | RolloutCommandRefused }> = rest.map((command) => ({
    command,
    why: 'SUPERSEDED',
  }));
  let current = state;
  const events: RolloutEventRecord[] = [];
  let applied: RolloutCommand | null = null;
  if (strongest) {
    try {
      const result = applyCommand(current, strongest, now);
      current = result.state;
      events.push(...result.events);
      applied = strongest;
    } catch (error) {
      if (!(error instanceof RolloutCommandRefused)) throw error;
      notApplied.unshift({ command: strongest, why: error });
    }
  }
  let assessment: Assessment | null = null;
  if (pending.analysis) {
    const result: AnalysisResult = applyAnalysis(current, pending.analysis, now);
    current = result.state;
    events.push(...result.events);
    assessment = result.assessment;
  }
  return { state: current, events, assessment, applied, notApplied };
}
