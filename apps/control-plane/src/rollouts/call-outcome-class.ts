// The router's outcome map (libs/router/src/outcome.ts) applied to audited ToolInvocation rows, so
// the rollout gates count exactly what the router counts. Kept as data so the SQL that aggregates
// the rows and this spec read the same table.
import type { ToolCallOutcome } from '@switchyard/db';
import type { OutcomeClass } from '@switchyard/router';

/**
 * How each audited outcome counts. `null`: not finished yet (PENDING), never counted.
 *   OK                       success
 *   TOOL_ERROR (isError)     failure
 *   RPC_ERROR (JSON-RPC)     failure
 *   TIMEOUT                  failure
 *   INTERRUPTED              failure: the runner or the server went away mid-call (the router's
 *                            transport-error), except when the control plane itself was shutting down
 *   CANCELLED                ignored: the client changed its mind, says nothing about the version
 *   DENIED                   ignored: the caller was refused before the call reached a version
 */
export const OUTCOME_CLASS: Readonly<Record<ToolCallOutcome, OutcomeClass | null>> = {
  PENDING: null,
  OK: 'success',
  TOOL_ERROR: 'failure',
  RPC_ERROR: 'failure',
  TIMEOUT: 'failure',
  INTERRUPTED: 'failure',
  CANCELLED: 'ignored',
  DENIED: 'ignored',
};

/** INTERRUPTED rows with these error codes were cut off by our own shutdown, not by the version. */
export const NOT_THE_VERSIONS_FAULT: readonly string[] = ['CONTROL_PLANE_SHUTDOWN'];

export function classifyInvocation(outcome: ToolCallOutcome, errorCode: string | null): OutcomeClass | null {
  if (outcome === 'INTERRUPTED' && errorCode !== null && NOT_THE_VERSIONS_FAULT.includes(errorCode)) return 'ignored';
  return OUTCOME_CLASS[outcome];
}

const outcomesOf = (cls: OutcomeClass): ToolCallOutcome[] =>
  (Object.keys(OUTCOME_CLASS) as ToolCallOutcome[]).filter((outcome) => OUTCOME_CLASS[outcome] === cls);

/** The outcomes counted as calls (success or failure), for the SQL filter. */
export const COUNTED_OUTCOMES: readonly ToolCallOutcome[] = [...outcomesOf('success'), ...outcomesOf('failure')];
export const FAILURE_OUTCOMES: readonly ToolCallOutcome[] = outcomesOf('failure');
