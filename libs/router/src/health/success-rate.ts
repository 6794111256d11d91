// The interval sweep (Envoy's "ejection analysis sweep", every `interval`): success-rate outliers
// among runners with enough volume are ejected, interval counters start over, and the ejection
// multiplier of every runner that stayed in service through an interval goes down by one.
import { eject, ejectionHeadroom } from './ejection.js';
import type { OutlierConfig } from './outlier-config.js';
import { isEjected, type HealthState, type RunnerHealth } from './runner-health.js';

/** Runners whose success rate is below mean − factor × stdev, lowest first (Envoy's rule). */
export function successRateOutliers(state: HealthState, now: number, config: OutlierConfig): string[] {
  const rates: Array<{ id: string; rate: number }> = [];
  for (const [id, health] of Object.entries(state.runners)) {
    const volume = health.intervalSuccesses + health.intervalFailures;
    if (volume >= config.successRateRequestVolume && !isEjected(health, now)) {
      rates.push({ id, rate: health.intervalSuccesses / volume });
    }
  }
  if (rates.length < config.successRateMinimumRunners || rates.length === 0) return [];
  const mean = rates.reduce((sum, r) => sum + r.rate, 0) / rates.length;
  const variance = rates.reduce((sum, r) => sum + (r.rate - mean) ** 2, 0) / rates.length;
  const threshold = mean - config.successRateStdevFactor * Math.sqrt(variance);
  return rates
    .filter((r) => r.rate < threshold)
    .sort((a, b) => a.rate - b.rate || (a.id < b.id ? -1 : 1))
    .map((r) => r.id);
}

/**
 * Of the `elapsed` sweeps after `intervalStartedAt`, how many found the runner already back in
 * service. As in Envoy, the sweep that returns a runner does not lower its multiplier yet.
 */
function sweepsInService(health: RunnerHealth, intervalStartedAt: number, elapsed: number, config: OutlierConfig): number {
  if (health.ejectedUntil === null) return elapsed;
  const firstInService = Math.max(1, Math.floor((health.ejectedUntil - intervalStartedAt) / config.intervalMs) + 1);
  return Math.max(0, elapsed - firstInService + 1);
}

/**
 * Runs every sweep that is due at `now` (none if the interval has not elapsed). Idle gaps of
 * several intervals analyse once (the counters hold one interval's worth of data at most) and
 * lower the multiplier once per elapsed sweep that found the runner in service.
 */
export function advanceInterval(state: HealthState, now: number, config: OutlierConfig): HealthState {
  const elapsed = Math.floor((now - state.intervalStartedAt) / config.intervalMs);
  if (elapsed < 1) return state;

  const sweepAt = state.intervalStartedAt + config.intervalMs;
  let headroom = ejectionHeadroom(state, sweepAt, config);
  const outliers = new Set(successRateOutliers(state, sweepAt, config).filter(() => headroom-- > 0));

  const runners: Record<string, RunnerHealth> = {};
  for (const [id, health] of Object.entries(state.runners)) {
    let next: RunnerHealth = { ...health, intervalSuccesses: 0, intervalFailures: 0 };
    if (outliers.has(id)) next = eject(next, 'success-rate', sweepAt, config);
    else if (next.ejections > 0) {
      next.ejections = Math.max(0, next.ejections - sweepsInService(health, state.intervalStartedAt, elapsed, config));
    }
    runners[id] = next;
  }
  return { intervalStartedAt: state.intervalStartedAt + elapsed * config.intervalMs, runners };
}
