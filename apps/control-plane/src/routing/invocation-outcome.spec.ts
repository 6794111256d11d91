import { classifyOutcome } from '@switchyard/router';
import { callOutcomeOfInvocation } from './invocation-outcome.js';

describe('callOutcomeOfInvocation', () => {
  it.each([
    ['OK', null, 'success'],
    ['TOOL_ERROR', null, 'failure'],
    ['RPC_ERROR', '-32603', 'failure'],
    ['TIMEOUT', null, 'failure'],
    ['INTERRUPTED', 'UPSTREAM_EXITED', 'failure'],
    ['CANCELLED', 'CANCELLED', 'ignored'],
    ['DENIED', 'FORBIDDEN', 'ignored'],
  ] as const)('counts %s (%s) as %s, as the rollout gates do', (outcome, errorCode, expected) => {
    const sut = callOutcomeOfInvocation(outcome, errorCode, 12);

    expect(sut && classifyOutcome(sut)).toBe(expected);
  });

  it('records nothing for an unfinished call or one cut off by the control plane shutting down', () => {
    expect(callOutcomeOfInvocation('PENDING', null, 0)).toBeNull();
    expect(callOutcomeOfInvocation('INTERRUPTED', 'CONTROL_PLANE_SHUTDOWN', 40)).toBeNull();
  });

  it('keeps the latency and the JSON-RPC code', () => {
    expect(callOutcomeOfInvocation('RPC_ERROR', '-32602', 7)).toEqual({ kind: 'jsonrpc-error', code: -32602, latencyMs: 7 });
  });
});
