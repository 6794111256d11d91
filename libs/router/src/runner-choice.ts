// Within the chosen arm and nodepool: least outstanding requests, ties broken at random so equal
// runners share load evenly instead of the first one in the list taking every burst.
import type { RunnerInfo } from './types.js';

export function leastOutstanding(runners: readonly RunnerInfo[], rng: () => number): RunnerInfo | undefined {
  let best: RunnerInfo | undefined;
  let ties = 0;
  for (const runner of runners) {
    if (!best || runner.outstanding < best.outstanding) {
      best = runner;
      ties = 1;
    } else if (runner.outstanding === best.outstanding) {
      // Reservoir sampling over the tied runners: each keeps probability 1/ties, one pass.
      ties += 1;
      if (rng() * ties < 1) best = runner;
    }
  }
  return best;
}
