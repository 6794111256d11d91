// The event every phase or weight change emits: the same fields as prisma/schema.prisma's
// RolloutEvent (without ids), so the control plane appends it as it is.
import type { RolloutPhase } from './phases.js';
import type { Weights } from './weights.js';

export type RolloutEventKind =
  | 'STARTED'
  /** Moved up the ladder (operator advance, passing gates, or a max-duration `advance` outcome). */
  | 'ADVANCED'
  /** CANARY moved to its next weight step. */
  | 'WEIGHT_STEP'
  | 'PAUSED'
  | 'RESUMED'
  | 'PROMOTED'
  | 'ROLLED_BACK'
  | 'ABORTED';

/** prisma/schema.prisma enum RolloutActorType: an operator (USER) or the automated analysis. */
export type RolloutActorType = 'USER' | 'ANALYSIS';

export interface RolloutEventRecord {
  /** Epoch milliseconds; the `now` of the transition. */
  readonly at: number;
  readonly kind: RolloutEventKind;
  readonly fromPhase: RolloutPhase | null;
  readonly toPhase: RolloutPhase;
  /** The weights after the change (by role; `weightsByVersion` turns them into the stored JSON). */
  readonly weights: Weights;
  readonly reason: string;
  /** The assessment that acted (see docs/rollouts.md, "Event metrics"); null for operator commands. */
  readonly metrics: Readonly<Record<string, unknown>> | null;
  readonly actorType: RolloutActorType;
  /** The operator's API key, for USER events. */
  readonly actorKeyId: string | null;
}
