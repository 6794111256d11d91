// UCB1 (Auer, Cesa-Bianchi & Fischer 2002) on the discounted stats (which makes it discounted UCB,
// Garivier & Moulines 2011): the arm with the highest mean + c·√(2 ln N / n) gets the whole
// preference (ties share it); arms never tried come first. Deterministic: the floor share is what
// keeps the others observed.
import { decayTo, type ArmStatsByVersion } from './arm-stats.js';
import type { BanditParams } from './bandit-params.js';

/** Below this discounted count an arm counts as untried (avoids dividing by ~0). */
const UNTRIED = 1e-6;

export function ucb1Preferences(
  versionIds: readonly string[],
  stats: ArmStatsByVersion,
  now: number,
  params: BanditParams,
): number[] {
  const decayed = versionIds.map((id) => {
    const s = stats[id];
    return s ? decayTo(s, now, params.halfLifeMs) : undefined;
  });
  const total = decayed.reduce((sum, s) => sum + (s?.count ?? 0), 0);
  const scores = decayed.map((s) => {
    if (!s || s.count < UNTRIED) return Infinity;
    const bonus = total > 1 ? params.exploration * Math.sqrt((2 * Math.log(total)) / s.count) : 0;
    return s.rewardSum / s.count + bonus;
  });
  return shareAmongBest(scores);
}

/** 1/(number of best) for each best score, 0 elsewhere. */
export function shareAmongBest(scores: readonly number[]): number[] {
  if (scores.length === 0) return [];
  const best = Math.max(...scores);
  const count = scores.filter((s) => s === best).length;
  return scores.map((s) => (s === best ? 1 / count : 0));
}
