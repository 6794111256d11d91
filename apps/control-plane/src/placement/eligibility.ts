import type { RunnerStatus } from '@switchyard/db';
import { gpusFromJson } from '../runners/gpus.js';
import type { RunnerSupply } from './placement-planner.js';

/** The runner columns placement reads. */
export interface RunnerState {
  id: string;
  nodepoolId: string;
  status: RunnerStatus;
  capacity: number;
  gpus: unknown;
  lastSeenAt: Date | null;
  fencedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * May host replicas: connected and heartbeating, not fenced, revoked or draining.
 *
 * UNHEALTHY counts as eligible while its heartbeats are fresh: that status then means one of its
 * servers is FAILED or in BACKOFF, and the runner itself is fine. Taking every replica off it would
 * stop its healthy servers too, after which it reports HEALTHY, gets them back, the bad one fails
 * again — a loop that restarts everything on the host every few seconds. An UNHEALTHY runner whose
 * heartbeats stopped (the sweep's verdict) is not eligible: its replicas move.
 */
export function isEligible(runner: RunnerState, now: Date, silenceMs: number): boolean {
  if (runner.fencedAt || runner.revokedAt) return false;
  if (runner.status === 'HEALTHY') return true;
  return runner.status === 'UNHEALTHY' && runner.lastSeenAt !== null && now.getTime() - runner.lastSeenAt.getTime() <= silenceMs;
}

/**
 * May be sent its assignment: connected by what the database knows, and not draining (a draining
 * runner finishes its calls; an assignment that removes its servers would cut them off).
 */
export function isReachable(runner: RunnerState): boolean {
  if (runner.fencedAt || runner.revokedAt) return false;
  return runner.status === 'ENROLLED' || runner.status === 'HEALTHY' || runner.status === 'UNHEALTHY';
}

/** The planner's view of a runner. Its capacity is how many replicas it may host. */
export function supplyOf(runner: RunnerState, now: Date, silenceMs: number): RunnerSupply {
  return {
    id: runner.id,
    nodepoolId: runner.nodepoolId,
    eligible: isEligible(runner, now, silenceMs),
    slots: runner.capacity,
    gpus: gpusFromJson(runner.gpus).map((gpu) => ({ index: gpu.index, name: gpu.name, memoryTotalMiB: gpu.memoryMiB ?? 0 })),
  };
}
