// Health state is one plain, JSON-serializable object per server, updated by pure functions that
// return a new state (the input is never mutated), so the control plane can keep it in Redis and
// tests can replay any sequence of events.

export type EjectionCause = 'consecutive-failures' | 'success-rate';

export interface RunnerHealth {
  /** Failures in a row from real traffic; reset by a success and by an ejection. */
  consecutiveFailures: number;
  /** Counted outcomes in the current interval: the success-rate sweep's input. */
  intervalSuccesses: number;
  intervalFailures: number;
  /** Envoy's ejection multiplier: +1 per ejection, −1 per interval spent not ejected. */
  ejections: number;
  ejectedAt: number | null;
  ejectedUntil: number | null;
  ejectionCause: EjectionCause | null;
  /** Active probes (ping, tools/list): failed/passed in a row and the verdict they give. */
  probeFailuresInRow: number;
  probeSuccessesInRow: number;
  probeDown: boolean;
}

export interface HealthState {
  /** When the current success-rate interval began (ms). */
  intervalStartedAt: number;
  /** Runners known to this server's health tracking: the population for the ejection cap. */
  runners: Readonly<Record<string, RunnerHealth>>;
}

export function emptyHealth(now: number): HealthState {
  return { intervalStartedAt: now, runners: {} };
}

export function freshRunnerHealth(): RunnerHealth {
  return {
    consecutiveFailures: 0,
    intervalSuccesses: 0,
    intervalFailures: 0,
    ejections: 0,
    ejectedAt: null,
    ejectedUntil: null,
    ejectionCause: null,
    probeFailuresInRow: 0,
    probeSuccessesInRow: 0,
    probeDown: false,
  };
}

export function isEjected(health: RunnerHealth | undefined, now: number): boolean {
  return health?.ejectedUntil != null && health.ejectedUntil > now;
}

/** Adds runners the control plane knows (e.g. from placements) so the cap counts all of them. */
export function trackRunners(state: HealthState, runnerIds: readonly string[]): HealthState {
  const missing = runnerIds.filter((id) => !(id in state.runners));
  if (missing.length === 0) return state;
  const runners = { ...state.runners };
  for (const id of missing) runners[id] = freshRunnerHealth();
  return { ...state, runners };
}

export function withRunner(state: HealthState, runnerId: string, health: RunnerHealth): HealthState {
  return { ...state, runners: { ...state.runners, [runnerId]: health } };
}
