import type { Rng } from './clock.js';

export interface BackoffPolicy {
  /** Ceiling of the first delay. */
  initialMs: number;
  /** The ceiling doubles per consecutive failure up to this. */
  maxMs: number;
  /** A server that ran this long before failing starts again from `initialMs`. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };

/**
 * Delay before restart number `failures` (1 = first failure in a row). "Equal jitter": half of the
 * exponential ceiling is fixed and half is random. Full jitter (0…ceiling) could restart a
 * crash-looping server almost at once; no jitter would restart the servers of every runner that
 * lost the same dependency in lockstep.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, rng: Rng): number {
  const exponent = Math.max(0, failures - 1);
  // Capped before Math.pow can overflow for a server that has failed thousands of times.
  const ceiling = exponent >= 31 ? policy.maxMs : Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + rng() * (ceiling / 2));
}

/**
 * Consecutive failures of one server. A server that stayed up for `resetAfterMs` is healthy
 * again, so its next crash is treated as a first failure rather than continuing the escalation.
 */
export class RestartTracker {
  private failures = 0;
  private startedAt: number | null = null;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly rng: Rng,
  ) {}

  /** The server is up (process spawned, or health check passed). */
  started(now: number): void {
    this.startedAt = now;
  }

  /** The server went down at `now`; returns how long to wait before the next attempt. */
  failed(now: number): number {
    if (this.startedAt !== null && now - this.startedAt >= this.policy.resetAfterMs) this.failures = 0;
    this.startedAt = null;
    this.failures += 1;
    return backoffDelay(this.failures, this.policy, this.rng);
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
