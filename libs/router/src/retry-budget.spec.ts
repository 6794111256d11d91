import { DEFAULT_RETRY_POLICY, emptyRetryBudget, isRetryableOutcome, mayRetry, recordCall, recordRetry, windowTotals, type RetryBudgetState } from './retry-budget.js';

const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 2, budgetRatio: 0.1, minRetriesPerWindow: 3, windowMs: 10_000 };
const readOnly = { readOnlyHint: true };
const calls = (state: RetryBudgetState, n: number, now: number) => {
  let s = state;
  for (let i = 0; i < n; i++) s = recordCall(s, now, policy.windowMs);
  return s;
};
const retries = (state: RetryBudgetState, n: number, now: number) => {
  let s = state;
  for (let i = 0; i < n; i++) s = recordRetry(s, now, policy.windowMs);
  return s;
};

describe('retries', () => {
  const start = emptyRetryBudget(0, policy.windowMs);

  it('only for tools annotated readOnlyHint or idempotentHint', () => {
    expect(mayRetry(start, readOnly, 1, policy, 0)).toEqual({ allowed: true });
    expect(mayRetry(start, { idempotentHint: true }, 1, policy, 0)).toEqual({ allowed: true });
    expect(mayRetry(start, { readOnlyHint: false, idempotentHint: false }, 1, policy, 0)).toEqual({ allowed: false, reason: 'not-idempotent' });
    expect(mayRetry(start, undefined, 1, policy, 0)).toEqual({ allowed: false, reason: 'not-idempotent' });
  });

  it('at most maxAttempts retries per call (RoutePolicy.retryMaxAttempts, 0 = never)', () => {
    expect(mayRetry(start, readOnly, 2, policy, 0).allowed).toBe(true);
    expect(mayRetry(start, readOnly, 3, policy, 0)).toEqual({ allowed: false, reason: 'max-attempts' });
    expect(mayRetry(start, readOnly, 1, DEFAULT_RETRY_POLICY, 0)).toEqual({ allowed: false, reason: 'max-attempts' });
  });

  it('a quiet server may still retry a few times per window (the minimum)', () => {
    const s = retries(calls(start, 2, 0), 2, 0);
    expect(mayRetry(s, readOnly, 1, policy, 0).allowed).toBe(true);
    expect(mayRetry(retries(s, 1, 0), readOnly, 1, policy, 0)).toEqual({ allowed: false, reason: 'budget-exhausted' });
  });

  it('a busy server retries at most budgetRatio of its calls', () => {
    const s = calls(start, 100, 1_000);
    expect(mayRetry(retries(s, 9, 1_000), readOnly, 1, policy, 1_000).allowed).toBe(true);
    expect(mayRetry(retries(s, 10, 1_000), readOnly, 1, policy, 1_000).allowed).toBe(false);
  });

  it('slides: the previous window counts in proportion to its overlap, then not at all', () => {
    const s = retries(calls(start, 100, 0), 10, 0);
    expect(windowTotals(s, 15_000, policy.windowMs)).toEqual({ calls: 50, retries: 5 });
    expect(windowTotals(s, 20_000, policy.windowMs)).toEqual({ calls: 0, retries: 0 });
    expect(mayRetry(s, readOnly, 1, policy, 15_000).allowed).toBe(false);
    expect(mayRetry(s, readOnly, 1, policy, 20_000).allowed).toBe(true);
  });

  it('uses windows aligned to the epoch, so every replica counts into the same buckets', () => {
    expect(emptyRetryBudget(23_456, 10_000).current.start).toBe(20_000);
  });

  it('retries timeouts and lost runners, not tool errors, JSON-RPC errors or cancellations', () => {
    expect(isRetryableOutcome({ kind: 'timeout', latencyMs: 1 })).toBe(true);
    expect(isRetryableOutcome({ kind: 'transport-error', latencyMs: 1 })).toBe(true);
    expect(isRetryableOutcome({ kind: 'result', isError: true, latencyMs: 1 })).toBe(false);
    expect(isRetryableOutcome({ kind: 'jsonrpc-error', code: -32603, latencyMs: 1 })).toBe(false);
    expect(isRetryableOutcome({ kind: 'cancelled' })).toBe(false);
  });
});
