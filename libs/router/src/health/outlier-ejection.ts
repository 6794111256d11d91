// Passive outlier detection from real traffic: each finished call is classified once
// (classifyOutcome) and recorded here. Consecutive failures eject at once; success-rate outliers
// are found by the interval sweep, which every record runs first when it is due.
import type { OutcomeClass } from '../outcome.js';
import { eject, ejectionHeadroom } from './ejection.js';
import type { OutlierConfig } from './outlier-config.js';
import { freshRunnerHealth, isEjected, withRunner, type HealthState } from './runner-health.js';
import { advanceInterval } from './success-rate.js';

export function recordOutcome(
  state: HealthState,
  runnerId: string,
  outcome: OutcomeClass,
  now: number,
  config: OutlierConfig,
): HealthState {
  let next = advanceInterval(state, now, config);
  if (outcome === 'ignored') return next;
  const known = next.runners[runnerId];
  // A new runner joins the population first, so the cap is computed with it counted.
  if (!known) next = withRunner(next, runnerId, freshRunnerHealth());
  const health = next.runners[runnerId]!;

  if (outcome === 'success') {
    return withRunner(next, runnerId, {
      ...health,
      consecutiveFailures: 0,
      intervalSuccesses: health.intervalSuccesses + 1,
    });
  }

  const failed = { ...health, consecutiveFailures: health.consecutiveFailures + 1, intervalFailures: health.intervalFailures + 1 };
  const shouldEject =
    failed.consecutiveFailures >= config.consecutiveFailures &&
    !isEjected(health, now) &&
    ejectionHeadroom(next, now, config) > 0;
  return withRunner(next, runnerId, shouldEject ? eject(failed, 'consecutive-failures', now, config) : failed);
}
