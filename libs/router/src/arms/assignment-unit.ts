// The unit of assignment. A stateful version keeps per-session state in its process, so a session
// must stay on the version (and runner) it started on. Calls of one session may be split between
// arms only when every arm is stateless and they expose the very same tools (equal, known
// toolsHash): then the client cannot tell which version answered a given call.
import type { ArmInfo } from '../types.js';

export type AssignmentUnit = 'session' | 'call';

export function perCallRoutingAllowed(arms: readonly ArmInfo[]): boolean {
  if (arms.length === 0) return false;
  const hash = arms[0]!.toolsHash;
  return hash !== null && arms.every((arm) => arm.stateless && arm.toolsHash === hash);
}

/** Over the arms that can receive new traffic (rolled-back arms do not count). */
export function assignmentUnit(arms: readonly ArmInfo[]): AssignmentUnit {
  return perCallRoutingAllowed(arms.filter((arm) => !arm.rolledBack)) ? 'call' : 'session';
}
