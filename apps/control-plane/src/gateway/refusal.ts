import { DomainError, ErrorCode } from '@switchyard/protocol';
import type { Principal } from '../auth/principal.js';
import type { GatewayReply } from './gateway-reply.js';
import type { HandoffRequest } from './handoff-messages.js';
import { domainErrorResponse, errorResponse, JsonRpcCode } from './json-rpc-errors.js';

/** A refusal at the transport level: an HTTP status and a JSON-RPC error body. Thrown, caught once by the service. */
export class Refusal extends Error {
  constructor(readonly reply: GatewayReply) {
    super('refused');
  }
}

export const refuse = (status: number, code: number, message: string, data?: Record<string, unknown>, headers?: Record<string, string>): Refusal =>
  new Refusal({ kind: 'json', status, body: errorResponse(undefined, code, message, data), ...(headers ? { headers } : {}) });

export const notFound = (): Refusal => refuse(404, JsonRpcCode.SESSION_NOT_FOUND, 'Session not found');

export const refuseWith = (error: DomainError, id?: string | number): Refusal => {
  const { status, body } = domainErrorResponse(error, id);
  return new Refusal({ kind: 'json', status, body, ...(headersOf(error) ?? {}) });
};

/** 401 names the scheme; 429 says when to come back (RFC 9110 Retry-After, whole seconds), as its data does. */
function headersOf(error: DomainError): { headers: Record<string, string> } | undefined {
  if (error.code === ErrorCode.UNAUTHENTICATED) return { headers: { 'www-authenticate': 'Bearer' } };
  const retryAfter = error.details.retryAfterSeconds;
  if (error.code === ErrorCode.RATE_LIMITED && typeof retryAfter === 'number') return { headers: { 'retry-after': String(retryAfter) } };
  return undefined;
}

/** The principal as it travels to the holder of a session. */
export const handedOver = (principal: Principal): HandoffRequest['principal'] => ({
  ...principal,
  scopes: [...principal.scopes],
  allowedServers: [...principal.allowedServers],
  allowedTools: [...principal.allowedTools],
});
