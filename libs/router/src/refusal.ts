// A route that cannot be served is a value, not an exception: the hot path stays allocation-light
// and the caller decides how to surface it. toDomainError turns it into the one error vocabulary.
import { DomainError, ErrorCode } from '@switchyard/protocol';
import type { ResidencyRemoval } from './residency.js';

export type RefusalReason =
  /** No deployment of any active version has a runner right now. */
  | 'NO_CANDIDATES'
  /** Candidates exist, but the policy's residency rules removed every one of them. */
  | 'RESIDENCY'
  /** The session's pinned version was rolled back or has no eligible runner any more. */
  | 'PINNED_VERSION_UNAVAILABLE'
  /** Eligible runners exist, but no arm with a positive share has one (e.g. weight 0 everywhere). */
  | 'NO_ROUTABLE_ARM';

export interface RouteRefusal {
  ok: false;
  reason: RefusalReason;
  policyId: string;
  serverName: string;
  message: string;
  /** For RESIDENCY: which constraint removed which candidates, per nodepool. */
  removed: ResidencyRemoval[];
}

export function refusal(
  reason: RefusalReason,
  policy: { id: string; serverName: string },
  message: string,
  removed: ResidencyRemoval[] = [],
): RouteRefusal {
  return { ok: false, reason, policyId: policy.id, serverName: policy.serverName, message, removed };
}

/**
 * A pinned session whose version is gone maps to NOT_FOUND, so the gateway answers HTTP 404 for the
 * session and the client starts a new one (MCP streamable HTTP), which follows the current weights.
 * Everything else is NO_ELIGIBLE_RUNNER: the caller did nothing wrong, nothing may serve it.
 */
export function toDomainError(r: RouteRefusal): DomainError {
  const code = r.reason === 'PINNED_VERSION_UNAVAILABLE' ? ErrorCode.NOT_FOUND : ErrorCode.NO_ELIGIBLE_RUNNER;
  return new DomainError(code, r.message, {
    reason: r.reason,
    policyId: r.policyId,
    server: r.serverName,
    ...(r.removed.length > 0 ? { removed: r.removed } : {}),
  });
}
