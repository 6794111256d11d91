// ε-greedy: ε spread evenly over all arms, 1 − ε to the best mean reward (ties share it). Arms
// without data score as the prior mean 0.5, so a new arm neither wins nor loses by default.
import { decayTo, meanReward, type ArmStatsByVersion } from './arm-stats.js';
import type { BanditParams } from './bandit-params.js';
import { shareAmongBest } from './ucb1.js';

export function epsilonGreedyPreferences(
  versionIds: readonly string[],
  stats: ArmStatsByVersion,
  now: number,
  params: BanditParams,
): number[] {
  const k = versionIds.length;
  if (k === 0) return [];
  const epsilon = Math.min(1, Math.max(0, params.epsilon));
  const means = versionIds.map((id) => {
    const s = stats[id];
    return meanReward(s ? decayTo(s, now, params.halfLifeMs) : undefined) ?? 0.5;
  });
  return shareAmongBest(means).map((best) => epsilon / k + (1 - epsilon) * best);
}
