import { classifyOutcome, outcomeLatencyMs, type CallOutcome } from './outcome.js';

describe('the outcome map', () => {
  it.each<[CallOutcome, string]>([
    [{ kind: 'result', isError: false, latencyMs: 12 }, 'success'],
    [{ kind: 'result', isError: true, latencyMs: 12 }, 'failure'],
    [{ kind: 'jsonrpc-error', code: -32603, latencyMs: 3 }, 'failure'],
    [{ kind: 'jsonrpc-error', code: -32602, latencyMs: 3 }, 'failure'],
    [{ kind: 'timeout', latencyMs: 30_000 }, 'failure'],
    [{ kind: 'transport-error', latencyMs: 40 }, 'failure'],
    [{ kind: 'cancelled' }, 'ignored'],
    [{ kind: 'auth-denied' }, 'ignored'],
  ])('%j is a %s', (outcome, expected) => {
    expect(classifyOutcome(outcome)).toBe(expected);
  });

  it('gives latency only for outcomes that have one', () => {
    expect(outcomeLatencyMs({ kind: 'timeout', latencyMs: 5 })).toBe(5);
    expect(outcomeLatencyMs({ kind: 'cancelled' })).toBeUndefined();
  });
});
