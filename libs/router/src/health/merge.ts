// Replicas each observe part of the traffic. Merging two health states must not depend on order
// (commutative, associative), so it can run on read over per-replica copies kept in Redis:
// counters add up, "in a row" counters and ejections take the worse (max) of the two.
import type { HealthState, RunnerHealth } from './runner-health.js';

export function mergeRunnerHealth(a: RunnerHealth, b: RunnerHealth): RunnerHealth {
  const laterEjection = compareEjection(a, b) >= 0 ? a : b;
  return {
    consecutiveFailures: Math.max(a.consecutiveFailures, b.consecutiveFailures),
    intervalSuccesses: a.intervalSuccesses + b.intervalSuccesses,
    intervalFailures: a.intervalFailures + b.intervalFailures,
    ejections: Math.max(a.ejections, b.ejections),
    ejectedAt: laterEjection.ejectedAt,
    ejectedUntil: laterEjection.ejectedUntil,
    ejectionCause: laterEjection.ejectionCause,
    probeFailuresInRow: Math.max(a.probeFailuresInRow, b.probeFailuresInRow),
    probeSuccessesInRow: Math.min(a.probeSuccessesInRow, b.probeSuccessesInRow),
    probeDown: a.probeDown || b.probeDown,
  };
}

/** Orders by ejectedUntil, then ejectedAt, then cause, so a tie cannot depend on argument order. */
function compareEjection(a: RunnerHealth, b: RunnerHealth): number {
  return (
    (a.ejectedUntil ?? -Infinity) - (b.ejectedUntil ?? -Infinity) ||
    (a.ejectedAt ?? -Infinity) - (b.ejectedAt ?? -Infinity) ||
    (a.ejectionCause ?? '').localeCompare(b.ejectionCause ?? '')
  );
}

export function mergeHealth(a: HealthState, b: HealthState): HealthState {
  const runners: Record<string, RunnerHealth> = { ...a.runners };
  for (const [id, health] of Object.entries(b.runners)) {
    const mine = runners[id];
    runners[id] = mine ? mergeRunnerHealth(mine, health) : health;
  }
  return { intervalStartedAt: Math.max(a.intervalStartedAt, b.intervalStartedAt), runners };
}
