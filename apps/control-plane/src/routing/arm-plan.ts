// Which versions are arms of a server right now, and how traffic is split between them: the
// rollout's weights, the policy's bandit, or the champion alone. Pure, so every rule has a test.
import type { ArmInfo, RouterKind } from '@switchyard/router';
import type { ArmWeights } from './arm-weights-source.js';

export type BanditKind = Exclude<RouterKind, 'WEIGHTED'>;

export type ArmSplit = { kind: 'WEIGHTED'; weights: Readonly<Record<string, number>> } | { kind: BanditKind };

export interface ArmPlan {
  arms: readonly ArmInfo[];
  split: ArmSplit;
  rolloutId: string | null;
}

export interface ArmPlanInput {
  routerKind: RouterKind;
  /** The server's versions, newest first. */
  versions: ReadonlyArray<{ id: string; stateless: boolean; toolsHash: string | null }>;
  /** Versions with at least one usable placement. */
  placedVersionIds: ReadonlySet<string>;
  rollout: ArmWeights | null;
  /** The version the last finished rollout left serving, if any. */
  championVersionId: string | null;
}

/**
 * - An active rollout: its versions are the arms. In BANDIT the policy's bandit splits them
 *   (Thompson sampling if the policy says WEIGHTED, as the ladder's bandit rung needs one), and
 *   other versions are out (rolledBack, so the bandit's floor cannot feed them); in every other
 *   phase the rollout's weights split them, other versions weigh 0.
 * - No rollout, fixed weights: the champion alone — the version the last finished rollout left
 *   serving (a rolled-back challenger never comes back by default), else the newest placed version.
 * - No rollout, a bandit policy: the bandit over every version (the operator asked for it).
 */
export function armPlan(input: ArmPlanInput): ArmPlan {
  const arm = (v: ArmPlanInput['versions'][number], rolledBack: boolean): ArmInfo => ({ versionId: v.id, stateless: v.stateless, toolsHash: v.toolsHash, rolledBack });
  const { rollout } = input;
  if (rollout) {
    const inRollout = (id: string) => id in rollout.weights;
    if (rollout.phase === 'BANDIT') {
      const kind: BanditKind = input.routerKind === 'WEIGHTED' ? 'THOMPSON' : input.routerKind;
      return { arms: input.versions.map((v) => arm(v, !inRollout(v.id))), split: { kind }, rolloutId: rollout.rolloutId };
    }
    return { arms: input.versions.map((v) => arm(v, false)), split: { kind: 'WEIGHTED', weights: rollout.weights }, rolloutId: rollout.rolloutId };
  }
  if (input.routerKind !== 'WEIGHTED') {
    return { arms: input.versions.map((v) => arm(v, false)), split: { kind: input.routerKind }, rolloutId: null };
  }
  const champion =
    input.championVersionId !== null && input.placedVersionIds.has(input.championVersionId)
      ? input.championVersionId
      : input.versions.find((v) => input.placedVersionIds.has(v.id))?.id;
  return {
    arms: input.versions.map((v) => arm(v, false)),
    split: { kind: 'WEIGHTED', weights: champion === undefined ? {} : { [champion]: 1 } },
    rolloutId: null,
  };
}
