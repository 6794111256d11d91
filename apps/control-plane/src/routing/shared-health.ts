// The router's HealthState (libs/router) kept in Redis so every replica sees one state. Counters
// that must add up across replicas are Redis counters (HINCRBY): consecutive failures per runner,
// and successes and failures per clock-aligned interval, so every replica counts into the same
// interval. Ejections and probe verdicts are small JSON values written by whoever decides them.
// This file is the pure translation between those hash fields and a HealthState.
import { freshRunnerHealth, type EjectionCause, type HealthState, type RunnerHealth } from '@switchyard/router';

export interface EjectionRecord {
  ejections: number;
  ejectedAt: number | null;
  ejectedUntil: number | null;
  ejectionCause: EjectionCause | null;
}

export interface ProbeRecord {
  failuresInRow: number;
  successesInRow: number;
  down: boolean;
}

export const field = {
  consecutiveFailures: (runnerId: string) => `${runnerId}:cf`,
  ejection: (runnerId: string) => `${runnerId}:ej`,
  probe: (runnerId: string) => `${runnerId}:probe`,
  successes: (runnerId: string) => `${runnerId}:s`,
  failures: (runnerId: string) => `${runnerId}:f`,
};

function splitField(name: string): [string, string] | undefined {
  const at = name.lastIndexOf(':');
  return at > 0 ? [name.slice(0, at), name.slice(at + 1)] : undefined;
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * The HealthState described by the shared runners hash and the current interval's counts. Every
 * runner named in either hash is tracked (the population of the ejection cap). A field that does
 * not parse is skipped: a bad value must not stop routing.
 */
export function healthFromHashes(runnersHash: Record<string, string>, windowHash: Record<string, string>, intervalStartedAt: number): HealthState {
  const runners: Record<string, RunnerHealth> = {};
  const of = (id: string): RunnerHealth => (runners[id] ??= freshRunnerHealth());
  for (const [name, value] of Object.entries(runnersHash)) {
    const parts = splitField(name);
    if (!parts) continue;
    const [id, kind] = parts;
    const health = of(id); // named, so tracked: it counts in the ejection cap even if its value is bad
    if (kind === 'cf') {
      const n = Number(value);
      if (Number.isFinite(n)) health.consecutiveFailures = Math.max(0, n);
    } else if (kind === 'ej') {
      const ej = parseJson<EjectionRecord>(value);
      if (ej) Object.assign(health, { ejections: ej.ejections, ejectedAt: ej.ejectedAt, ejectedUntil: ej.ejectedUntil, ejectionCause: ej.ejectionCause });
    } else if (kind === 'probe') {
      const probe = parseJson<ProbeRecord>(value);
      if (probe) Object.assign(health, { probeFailuresInRow: probe.failuresInRow, probeSuccessesInRow: probe.successesInRow, probeDown: probe.down });
    }
  }
  for (const [name, value] of Object.entries(windowHash)) {
    const parts = splitField(name);
    if (!parts) continue;
    const [id, kind] = parts;
    const health = of(id);
    const n = Number(value);
    if (!Number.isFinite(n)) continue;
    if (kind === 's') health.intervalSuccesses = n;
    else if (kind === 'f') health.intervalFailures = n;
  }
  return { intervalStartedAt, runners };
}

export function ejectionRecord(health: RunnerHealth): EjectionRecord {
  return { ejections: health.ejections, ejectedAt: health.ejectedAt, ejectedUntil: health.ejectedUntil, ejectionCause: health.ejectionCause };
}

export function probeRecord(health: RunnerHealth): ProbeRecord {
  return { failuresInRow: health.probeFailuresInRow, successesInRow: health.probeSuccessesInRow, down: health.probeDown };
}

export function sameEjection(a: RunnerHealth | undefined, b: RunnerHealth): boolean {
  return a !== undefined && a.ejections === b.ejections && a.ejectedAt === b.ejectedAt && a.ejectedUntil === b.ejectedUntil && a.ejectionCause === b.ejectionCause;
}
