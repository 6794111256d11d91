// Retries and failover for a call: only for tools that say repeating them is safe (MCP tool
// annotations readOnlyHint or idempotentHint), at most `maxAttempts` retries per call, and bounded
// by a retry budget over all calls of the server, like Envoy's retry budget (budget_percent of
// active requests, with min_retry_concurrency so a quiet server can still retry). Here the budget
// is retries ÷ calls over a sliding window, because calls, unlike in-flight requests, add up across
// replicas: window buckets are aligned to the epoch, so every replica's counts for a bucket merge
// by addition (Redis INCR).
import type { CallOutcome } from './outcome.js';

/** The MCP ToolAnnotations the decision reads. Hints come from the server: only a claim. */
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  idempotentHint?: boolean;
}

export interface RetryPolicy {
  /** RoutePolicy.retryMaxAttempts: retries after the first attempt (0 = never retry). */
  maxAttempts: number;
  /** RoutePolicy.retryBudgetRatio: retries allowed as a share of calls in the window. */
  budgetRatio: number;
  /** Retries always allowed per window, whatever the ratio (Envoy min_retry_concurrency: 3). */
  minRetriesPerWindow: number;
  windowMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 0,
  budgetRatio: 0.1,
  minRetriesPerWindow: 3,
  windowMs: 10_000,
});

interface Bucket {
  start: number;
  calls: number;
  retries: number;
}

export interface RetryBudgetState {
  previous: Bucket;
  current: Bucket;
}

const bucketStart = (now: number, windowMs: number) => Math.floor(now / windowMs) * windowMs;

export function emptyRetryBudget(now: number, windowMs: number): RetryBudgetState {
  const start = bucketStart(now, windowMs);
  return { previous: { start: start - windowMs, calls: 0, retries: 0 }, current: { start, calls: 0, retries: 0 } };
}

/** Rolls the buckets forward to the window containing `now`. */
function rollTo(state: RetryBudgetState, now: number, windowMs: number): RetryBudgetState {
  const start = bucketStart(now, windowMs);
  if (start <= state.current.start) return state;
  const previous =
    start - windowMs === state.current.start ? state.current : { start: start - windowMs, calls: 0, retries: 0 };
  return { previous, current: { start, calls: 0, retries: 0 } };
}

export function recordCall(state: RetryBudgetState, now: number, windowMs: number): RetryBudgetState {
  const s = rollTo(state, now, windowMs);
  return { ...s, current: { ...s.current, calls: s.current.calls + 1 } };
}

export function recordRetry(state: RetryBudgetState, now: number, windowMs: number): RetryBudgetState {
  const s = rollTo(state, now, windowMs);
  return { ...s, current: { ...s.current, retries: s.current.retries + 1 } };
}

/** Calls and retries over the last `windowMs`, the previous bucket weighted by its overlap. */
export function windowTotals(state: RetryBudgetState, now: number, windowMs: number): { calls: number; retries: number } {
  const s = rollTo(state, now, windowMs);
  const overlap = 1 - (now - s.current.start) / windowMs;
  return {
    calls: s.current.calls + s.previous.calls * overlap,
    retries: s.current.retries + s.previous.retries * overlap,
  };
}

export function isRetrySafe(annotations: ToolAnnotations | undefined): boolean {
  return annotations?.readOnlyHint === true || annotations?.idempotentHint === true;
}

/**
 * Only failures where the upstream may never have acted or answered are retried: a timeout or a
 * lost runner. A tool result with isError is the tool's answer and goes back to the client.
 */
export function isRetryableOutcome(outcome: CallOutcome): boolean {
  return outcome.kind === 'timeout' || outcome.kind === 'transport-error';
}

export type RetryVerdict =
  | { allowed: true }
  | { allowed: false; reason: 'not-idempotent' | 'max-attempts' | 'budget-exhausted' };

/** attempt: 1-based number of the attempt that just failed. */
export function mayRetry(
  budget: RetryBudgetState,
  annotations: ToolAnnotations | undefined,
  attempt: number,
  policy: RetryPolicy,
  now: number,
): RetryVerdict {
  if (!isRetrySafe(annotations)) return { allowed: false, reason: 'not-idempotent' };
  if (attempt > policy.maxAttempts) return { allowed: false, reason: 'max-attempts' };
  const { calls, retries } = windowTotals(budget, now, policy.windowMs);
  const allowance = Math.max(policy.minRetriesPerWindow, policy.budgetRatio * calls);
  return retries + 1 <= allowance ? { allowed: true } : { allowed: false, reason: 'budget-exhausted' };
}
