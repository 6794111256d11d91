// The gateway audits each tool call as a ToolInvocation outcome; the router's statistics take a
// libs/router CallOutcome. One mapping, so the gateway records what it audited, and the router
// counts what the rollout gates count (src/rollouts/call-outcome-class.ts reads the same rows).
import type { ToolCallOutcome } from '@switchyard/db';
import type { CallOutcome } from '@switchyard/router';

/** INTERRUPTED by our own shutdown is not the version's fault (the same code the gateway audits). */
const CONTROL_PLANE_SHUTDOWN = 'CONTROL_PLANE_SHUTDOWN';

/** null: nothing to record (the call has not finished, or its end says nothing about the version). */
export function callOutcomeOfInvocation(outcome: ToolCallOutcome, errorCode: string | null, latencyMs: number): CallOutcome | null {
  switch (outcome) {
    case 'OK':
      return { kind: 'result', isError: false, latencyMs };
    case 'TOOL_ERROR':
      return { kind: 'result', isError: true, latencyMs };
    case 'RPC_ERROR':
      return { kind: 'jsonrpc-error', code: Number(errorCode ?? Number.NaN), latencyMs };
    case 'TIMEOUT':
      return { kind: 'timeout', latencyMs };
    case 'INTERRUPTED':
      return errorCode === CONTROL_PLANE_SHUTDOWN ? null : { kind: 'transport-error', latencyMs };
    case 'CANCELLED':
      return { kind: 'cancelled' };
    case 'DENIED':
      return { kind: 'auth-denied' };
    case 'PENDING':
      return null;
  }
}
