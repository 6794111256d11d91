// Ejecting a runner: duration grows with repeats (Envoy: base_ejection_time × times ejected,
// capped by max_ejection_time), and the number ejected at once is capped by maxEjectedShare.
import type { OutlierConfig } from './outlier-config.js';
import { isEjected, type EjectionCause, type HealthState, type RunnerHealth } from './runner-health.js';

export function ejectedRunners(state: HealthState, now: number): string[] {
  return Object.keys(state.runners).filter((id) => isEjected(state.runners[id], now));
}

/** The most runners that may be ejected at once: floor(share × tracked), never "at least one". */
export function maxEjectedRunners(trackedRunners: number, config: Pick<OutlierConfig, 'maxEjectedShare'>): number {
  return Math.floor(config.maxEjectedShare * trackedRunners + 1e-9);
}

/** How many more runners may be ejected now without breaking the cap. */
export function ejectionHeadroom(state: HealthState, now: number, config: OutlierConfig): number {
  const tracked = Object.keys(state.runners).length;
  return Math.max(0, maxEjectedRunners(tracked, config) - ejectedRunners(state, now).length);
}

export function ejectionDurationMs(timesEjected: number, config: OutlierConfig): number {
  return Math.min(config.baseEjectionMs * Math.max(1, timesEjected), config.maxEjectionMs);
}

export function eject(health: RunnerHealth, cause: EjectionCause, now: number, config: OutlierConfig): RunnerHealth {
  const ejections = health.ejections + 1;
  return {
    ...health,
    consecutiveFailures: 0,
    ejections,
    ejectedAt: now,
    ejectedUntil: now + ejectionDurationMs(ejections, config),
    ejectionCause: cause,
  };
}

export function uneject(health: RunnerHealth): RunnerHealth {
  return { ...health, ejectedAt: null, ejectedUntil: null, ejectionCause: null };
}

