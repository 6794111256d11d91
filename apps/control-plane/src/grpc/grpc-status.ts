import { status as Status, Metadata } from '@grpc/grpc-js';
import { DomainError, ErrorCode } from '@switchyard/protocol';

/** Trailing metadata key that carries the stable Switchyard error code beside the gRPC status. */
export const ERROR_CODE_METADATA = 'switchyard-error-code';

/**
 * The one mapping of the domain vocabulary onto gRPC status codes (docs/gateway.md, "gRPC
 * ToolGateway"). gRPC codes are coarser (UPSTREAM_FAILED and NO_ELIGIBLE_RUNNER are both
 * UNAVAILABLE: retry later, maybe elsewhere), so callers that must tell them apart read the
 * `switchyard-error-code` trailer.
 */
const MAPPING: Record<ErrorCode, Status> = {
  [ErrorCode.UNAUTHENTICATED]: Status.UNAUTHENTICATED,
  [ErrorCode.FORBIDDEN]: Status.PERMISSION_DENIED,
  [ErrorCode.NOT_FOUND]: Status.NOT_FOUND,
  // The only conflict a ToolGateway call can meet: its call id was used before.
  [ErrorCode.CONFLICT]: Status.ALREADY_EXISTS,
  [ErrorCode.BAD_USER_INPUT]: Status.INVALID_ARGUMENT,
  [ErrorCode.QUERY_TOO_COMPLEX]: Status.INVALID_ARGUMENT,
  [ErrorCode.RATE_LIMITED]: Status.RESOURCE_EXHAUSTED,
  [ErrorCode.NO_ELIGIBLE_RUNNER]: Status.UNAVAILABLE,
  [ErrorCode.POLICY_VIOLATION]: Status.PERMISSION_DENIED,
  [ErrorCode.UPSTREAM_FAILED]: Status.UNAVAILABLE,
  [ErrorCode.PROTOCOL_ERROR]: Status.INTERNAL,
  [ErrorCode.INTERNAL]: Status.INTERNAL,
};

export interface GrpcFailure {
  code: Status;
  details: string;
  metadata: Metadata;
}

export function grpcStatusOf(code: ErrorCode): Status {
  return MAPPING[code] ?? Status.INTERNAL;
}

/** A DomainError as the status a call ends with; anything else is INTERNAL, its message kept in the log only. */
export function grpcFailureOf(error: unknown): GrpcFailure {
  const domain = error instanceof DomainError ? error : new DomainError(ErrorCode.INTERNAL, 'internal error');
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_METADATA, domain.code);
  const retryAfter = domain.details.retryAfterMs;
  if (typeof retryAfter === 'number') metadata.set('retry-after-ms', String(Math.ceil(retryAfter)));
  return { code: grpcStatusOf(domain.code), details: domain.message, metadata };
}
