import type { ToolCallOutcome } from '@switchyard/db';
import { classifyOutcome, type CallOutcome } from '@switchyard/router';
import { classifyInvocation, COUNTED_OUTCOMES, FAILURE_OUTCOMES } from './call-outcome-class.js';

describe('the outcome map over audited tool calls', () => {
  // Each audited outcome next to the router outcome it records, so the two maps cannot drift apart.
  it.each<[ToolCallOutcome, CallOutcome]>([
    ['OK', { kind: 'result', isError: false, latencyMs: 1 }],
    ['TOOL_ERROR', { kind: 'result', isError: true, latencyMs: 1 }],
    ['RPC_ERROR', { kind: 'jsonrpc-error', code: -32603, latencyMs: 1 }],
    ['TIMEOUT', { kind: 'timeout', latencyMs: 1 }],
    ['INTERRUPTED', { kind: 'transport-error', latencyMs: 1 }],
    ['CANCELLED', { kind: 'cancelled' }],
    ['DENIED', { kind: 'auth-denied' }],
  ])('%s counts as the router counts %j', (audited, routerOutcome) => {
    expect(classifyInvocation(audited, 'UPSTREAM_EXITED')).toBe(classifyOutcome(routerOutcome));
  });

  it('does not count a call still PENDING, nor one cut off by our own shutdown', () => {
    expect(classifyInvocation('PENDING', null)).toBeNull();
    expect(classifyInvocation('INTERRUPTED', 'CONTROL_PLANE_SHUTDOWN')).toBe('ignored');
  });

  it('lists the counted and failing outcomes for the SQL', () => {
    expect([...COUNTED_OUTCOMES].sort()).toEqual(['INTERRUPTED', 'OK', 'RPC_ERROR', 'TIMEOUT', 'TOOL_ERROR']);
    expect([...FAILURE_OUTCOMES].sort()).toEqual(['INTERRUPTED', 'RPC_ERROR', 'TIMEOUT', 'TOOL_ERROR']);
  });
});
