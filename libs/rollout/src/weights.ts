// Traffic shares of the two arms. Only the challenger's share is free; the champion gets the rest,
// so the two always sum to 1 by construction (no renormalising, no drift).

export interface Weights {
  readonly champion: number;
  readonly challenger: number;
}

export function challengerShare(share: number): Weights {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`challenger share must be within [0, 1], got ${share}`);
  return { champion: 1 - share, challenger: share };
}

/** Champion serves everything: before the canary, and after a rollback or abort. */
export const CHAMPION_ONLY: Weights = challengerShare(0);

/** Challenger serves everything: after promotion. */
export const CHALLENGER_ONLY: Weights = challengerShare(1);

export function sameWeights(a: Weights, b: Weights): boolean {
  return a.challenger === b.challenger && a.champion === b.champion;
}

/**
 * The `{ "<versionId>": share }` JSON that Rollout.weights and RolloutEvent.weights store.
 * Both ids are always present, so a reader never has to guess a missing share.
 */
export function weightsByVersion(
  weights: Weights,
  versions: { championVersionId: string; challengerVersionId: string },
): Record<string, number> {
  return { [versions.championVersionId]: weights.champion, [versions.challengerVersionId]: weights.challenger };
}
