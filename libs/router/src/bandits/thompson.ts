// Discounted Thompson sampling (Raj & Kalyani 2017, "Taming non-stationary bandits: a Bayesian
// approach") with Beta posteriors on a reward in [0, 1]: a fractional reward r adds r to α and
// 1 − r to β (Agrawal & Goyal 2012's Bernoulli view, in expectation), discounted by time.
//
// The router needs each arm's *probability* of being chosen (the propensity), not one draw: it
// estimates P(arm i has the highest posterior draw) by Monte Carlo with the given rng, then draws
// the arm from those shares, so the recorded propensity is exactly the probability that was used.
import { decayTo, type ArmStatsByVersion } from './arm-stats.js';
import type { BanditParams } from './bandit-params.js';
import { sampleBeta } from './beta-sampler.js';

export function thompsonPreferences(
  versionIds: readonly string[],
  stats: ArmStatsByVersion,
  now: number,
  params: BanditParams,
  rng: () => number,
): number[] {
  const k = versionIds.length;
  if (k === 0) return [];
  if (k === 1) return [1];
  const alphas = new Float64Array(k);
  const betas = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const s = stats[versionIds[i]!];
    const d = s ? decayTo(s, now, params.halfLifeMs) : undefined;
    alphas[i] = params.priorAlpha + (d?.rewardSum ?? 0);
    betas[i] = params.priorBeta + Math.max(0, (d?.count ?? 0) - (d?.rewardSum ?? 0));
  }
  const wins = new Float64Array(k);
  const draws = Math.max(1, Math.floor(params.draws));
  for (let n = 0; n < draws; n++) {
    let best = 0;
    let bestDraw = -1;
    for (let i = 0; i < k; i++) {
      const draw = sampleBeta(alphas[i]!, betas[i]!, rng);
      if (draw > bestDraw) {
        bestDraw = draw;
        best = i;
      }
    }
    wins[best]! += 1;
  }
  return Array.from(wins, (w) => w / draws);
}
