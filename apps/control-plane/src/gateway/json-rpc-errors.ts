import { DomainError, ErrorCode } from '@switchyard/protocol';
import type { JsonRpcError } from '@switchyard/protocol';

/** JSON-RPC 2.0 error codes (the spec's, and the server range MCP transports use). */
export const JsonRpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** The generic server error of the Streamable HTTP transport (the SDK's too). */
  SERVER_ERROR: -32000,
  /** "Session not found", as the SDK's server transport answers it. */
  SESSION_NOT_FOUND: -32001,
} as const;

type RequestId = string | number;

/**
 * The one mapping of the domain vocabulary onto the MCP transport: HTTP status for transport-level
 * failures, JSON-RPC code, and `data.code` with the DomainError's code so clients can branch on it
 * without parsing messages.
 */
const MAPPING: Record<ErrorCode, { status: number; code: number }> = {
  [ErrorCode.UNAUTHENTICATED]: { status: 401, code: JsonRpcCode.SERVER_ERROR },
  [ErrorCode.FORBIDDEN]: { status: 403, code: JsonRpcCode.SERVER_ERROR },
  [ErrorCode.NOT_FOUND]: { status: 404, code: JsonRpcCode.SESSION_NOT_FOUND },
  [ErrorCode.CONFLICT]: { status: 409, code: JsonRpcCode.SERVER_ERROR },
  [ErrorCode.BAD_USER_INPUT]: { status: 400, code: JsonRpcCode.INVALID_PARAMS },
  [ErrorCode.QUERY_TOO_COMPLEX]: { status: 400, code: JsonRpcCode.INVALID_REQUEST },
  [ErrorCode.RATE_LIMITED]: { status: 429, code: JsonRpcCode.SERVER_ERROR },
  [ErrorCode.NO_ELIGIBLE_RUNNER]: { status: 503, code: JsonRpcCode.SERVER_ERROR },
  [ErrorCode.POLICY_VIOLATION]: { status: 403, code: JsonRpcCode.SERVER_ERROR },
  [ErrorCode.UPSTREAM_FAILED]: { status: 502, code: JsonRpcCode.SERVER_ERROR },
  [ErrorCode.PROTOCOL_ERROR]: { status: 400, code: JsonRpcCode.INVALID_REQUEST },
  [ErrorCode.INTERNAL]: { status: 500, code: JsonRpcCode.INTERNAL_ERROR },
};

/** A JSON-RPC error response; `id` undefined when the request's id is unknown (sent as null). */
export function errorResponse(id: RequestId | undefined, code: number, message: string, data?: Record<string, unknown>): JsonRpcError {
  return { jsonrpc: '2.0', ...(id === undefined ? {} : { id }), error: { code, message, ...(data === undefined ? {} : { data }) } } as JsonRpcError;
}

/** A DomainError as a JSON-RPC error response for request `id`, with the HTTP status a transport-level refusal gets. */
export function domainErrorResponse(error: DomainError, id?: RequestId): { status: number; body: JsonRpcError } {
  const { status, code } = MAPPING[error.code] ?? MAPPING[ErrorCode.INTERNAL];
  return { status, body: errorResponse(id, code, error.message, { code: error.code, ...scalarDetails(error.details) }) };
}

/** Wire form: JSON-RPC wants `"id": null` when the id could not be read. */
export function serializeMessage(message: JsonRpcError | Record<string, unknown>): string {
  if ('error' in message && !('id' in message)) return JSON.stringify({ jsonrpc: '2.0', id: null, error: message.error });
  return JSON.stringify(message);
}

/** Only plain values leave the process: details may hold objects that say more than the caller should see. */
function scalarDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (key !== 'fields' && ['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
  }
  return out;
}
