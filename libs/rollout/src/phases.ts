// The phases of a rollout, spelled exactly like prisma/schema.prisma's enum RolloutPhase so the
// control plane stores them without a mapping table.

export const ROLLOUT_PHASES = [
  'PILOT',
  'SHADOW',
  'CANARY',
  'BANDIT',
  'DECISION',
  'PROMOTED',
  'PAUSED',
  'ROLLED_BACK',
  'ABORTED',
] as const;

export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];

export type TerminalPhase = 'PROMOTED' | 'ROLLED_BACK' | 'ABORTED';

/** The rungs a challenger climbs, in order. PAUSED and the terminal phases are not rungs. */
export const LADDER = ['PILOT', 'SHADOW', 'CANARY', 'BANDIT', 'DECISION'] as const;

export type LadderPhase = (typeof LADDER)[number];

const TERMINAL: ReadonlySet<RolloutPhase> = new Set<TerminalPhase>(['PROMOTED', 'ROLLED_BACK', 'ABORTED']);

export function isTerminal(phase: RolloutPhase): phase is TerminalPhase {
  return TERMINAL.has(phase);
}

export function isLadderPhase(phase: RolloutPhase): phase is LadderPhase {
  return (LADDER as readonly RolloutPhase[]).includes(phase);
}
