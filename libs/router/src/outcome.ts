// The outcome map, defined once: every statistic (outlier ejection, bandit reward, retry budget,
// rollout gates) classifies a finished call through classifyOutcome and nothing else.

/** How a call ended, as the gateway observed it. */
export type CallOutcome =
  /** A `tools/call` (or other) result arrived; `isError` is the MCP tool-level error flag. */
  | { kind: 'result'; isError: boolean; latencyMs: number }
  /** The upstream answered with a JSON-RPC error object. */
  | { kind: 'jsonrpc-error'; code: number; latencyMs: number }
  /** No answer within the deadline. */
  | { kind: 'timeout'; latencyMs: number }
  /** The runner or its connection to the upstream went away mid-call. */
  | { kind: 'transport-error'; latencyMs: number }
  /** The client sent notifications/cancelled or went away with a cancel: says nothing about the version. */
  | { kind: 'cancelled' }
  /** The upstream refused the caller's credentials: a caller problem, not a version problem. */
  | { kind: 'auth-denied' };

export type OutcomeClass = 'success' | 'failure' | 'ignored';

export function classifyOutcome(outcome: CallOutcome): OutcomeClass {
  switch (outcome.kind) {
    case 'result':
      return outcome.isError ? 'failure' : 'success';
    case 'jsonrpc-error':
    case 'timeout':
    case 'transport-error':
      return 'failure';
    case 'cancelled':
    case 'auth-denied':
      return 'ignored';
  }
}

/** Latency of a counted outcome, undefined for ignored ones (they have no meaningful latency). */
export function outcomeLatencyMs(outcome: CallOutcome): number | undefined {
  return 'latencyMs' in outcome ? outcome.latencyMs : undefined;
}
