import { ApolloServerErrorCode } from '@apollo/server/errors';
import { isForeignKeyViolation, isUniqueViolation } from '@switchyard/db';
import { DomainError, ErrorCode } from '@switchyard/protocol';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * The one translation from whatever a resolver threw into the domain vocabulary. Database
 * constraint violations become CONFLICT here, so no service has to catch them itself.
 */
export function toDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (isUniqueViolation(error)) {
    return DomainError.conflict('An object with the same unique name or key already exists');
  }
  if (isForeignKeyViolation(error)) {
    return DomainError.conflict('The object is still referenced by another object, or refers to one that does not exist');
  }
  return undefined;
}

/** A DomainError as GraphQL sees it: `extensions.code` plus field problems for bad input. */
export function toGraphQLError(error: DomainError): GraphQLError {
  const { fields, ...rest } = error.details;
  return new GraphQLError(error.message, {
    extensions: { code: error.code, ...(fields ? { fields } : {}), ...safeDetails(rest) },
  });
}

function safeDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
  }
  return out;
}

const GRAPHQL_INPUT_CODES = new Set<string>([
  ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
  ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.BAD_USER_INPUT,
  ApolloServerErrorCode.BAD_REQUEST,
  ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
]);
const OUR_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * Apollo's formatError: every error leaves with one of our stable codes. Errors of the
 * GraphQL layer itself (parse, validation, variable coercion) are BAD_USER_INPUT; anything
 * unexpected is INTERNAL with its message hidden (it was logged where it was caught).
 */
export function formatGraphQLError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = String(formatted.extensions?.code ?? '');
  if (OUR_CODES.has(code) && code !== ErrorCode.INTERNAL) {
    return { ...formatted, extensions: { ...withoutStack(formatted.extensions) } };
  }
  if (GRAPHQL_INPUT_CODES.has(code)) {
    return { ...formatted, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  return { message: 'Internal error', locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.INTERNAL } };
}

function withoutStack(extensions: Record<string, unknown> | undefined): Record<string, unknown> {
  const { stacktrace: _ignored, ...rest } = extensions ?? {};
  return rest;
}
