/**
 * The one error vocabulary of Switchyard. Services throw DomainError; each transport maps
 * `code` exactly once (GraphQL `extensions.code`, MCP JSON-RPC `data.code`, gRPC status,
 * CLI exit code). Details must be safe to show to the caller: never keys, secrets or arguments.
 */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  RATE_LIMITED: 'RATE_LIMITED',
  NO_ELIGIBLE_RUNNER: 'NO_ELIGIBLE_RUNNER',
  POLICY_VIOLATION: 'POLICY_VIOLATION',
  UPSTREAM_FAILED: 'UPSTREAM_FAILED',
  PROTOCOL_ERROR: 'PROTOCOL_ERROR',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One problem with one input field, e.g. `{ path: 'name', message: 'must match [a-z0-9-]{1,32}' }`. */
export interface FieldProblem {
  path: string;
  message: string;
}

export interface DomainErrorDetails {
  fields?: FieldProblem[];
  [key: string]: unknown;
}

export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: DomainErrorDetails = {},
  ) {
    super(message);
  }

  static notFound(entity: string, key: string): DomainError {
    return new DomainError(ErrorCode.NOT_FOUND, `${entity} ${key} not found`, { entity });
  }

  static conflict(message: string, details: DomainErrorDetails = {}): DomainError {
    return new DomainError(ErrorCode.CONFLICT, message, details);
  }

  static badInput(fields: FieldProblem[]): DomainError {
    const summary = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
    return new DomainError(ErrorCode.BAD_USER_INPUT, `Invalid input: ${summary}`, { fields });
  }

  static unauthenticated(message = 'A valid API key is required (Authorization: Bearer sy_…)'): DomainError {
    return new DomainError(ErrorCode.UNAUTHENTICATED, message);
  }

  static forbidden(message: string): DomainError {
    return new DomainError(ErrorCode.FORBIDDEN, message);
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
