import { DomainError, ErrorCode, type CallAck } from '@switchyard/protocol';

type Rejection = Extract<CallAck, { status: 'rejected' }>['error'];

/**
 * Rejections that say "this runner, not now" — another runner of the same version (or a later
 * attempt) may well take the call. UNKNOWN_SESSION and UPSTREAM_WRITE_FAILED concern this
 * session's upstream, which a retry elsewhere cannot fix.
 */
const RETRYABLE_ELSEWHERE: ReadonlySet<Rejection['code']> = new Set(['NOT_PLACED', 'NOT_RUNNING', 'AT_CAPACITY', 'DRAINING']);

/** The DomainError for a runner's refusal, with its code in details for the router and the audit row. */
export function rejectionError(runnerId: string, rejection: Rejection): DomainError {
  return new DomainError(ErrorCode.UPSTREAM_FAILED, `runner ${runnerId} refused the call (${rejection.code}): ${rejection.message}`, {
    runnerId,
    rejection: rejection.code,
    retryableElsewhere: RETRYABLE_ELSEWHERE.has(rejection.code),
  });
}
