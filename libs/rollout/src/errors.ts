// Typed errors of the rollout domain. The control plane maps them once to its DomainError
// vocabulary: a refused command is CONFLICT (the rollout is not in a state that allows it), a bad
// configuration is BAD_USER_INPUT.
import type { RolloutPhase } from './phases.js';

export type RolloutCommandName = 'pause' | 'resume' | 'advance' | 'promoteNow' | 'abort' | 'rollback';

export type RefusalCode =
  /** The rollout already ended (PROMOTED, ROLLED_BACK, ABORTED); reverting a promotion is a new rollout. */
  | 'TERMINAL_PHASE'
  /** `resume` on a rollout that is not PAUSED. */
  | 'NOT_PAUSED'
  /** `pause` on a rollout that is already PAUSED. */
  | 'ALREADY_PAUSED';

export class RolloutCommandRefused extends Error {
  override readonly name = 'RolloutCommandRefused';

  constructor(
    readonly code: RefusalCode,
    readonly command: RolloutCommandName,
    readonly phase: RolloutPhase,
  ) {
    super(refusalMessage(code, command, phase));
  }
}

function refusalMessage(code: RefusalCode, command: RolloutCommandName, phase: RolloutPhase): string {
  switch (code) {
    case 'TERMINAL_PHASE':
      return `cannot ${command}: the rollout has ended in ${phase}; start a new rollout to change versions again`;
    case 'NOT_PAUSED':
      return `cannot resume: the rollout is in ${phase}, not PAUSED`;
    case 'ALREADY_PAUSED':
      return 'cannot pause: the rollout is already PAUSED';
  }
}

/** A gate configuration that does not validate; one line per problem, each naming its path. */
export class RolloutConfigError extends Error {
  override readonly name = 'RolloutConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`invalid rollout configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}
