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
  return new Refusal({ kind: 'json', status, body, ...(error.code === ErrorCode.UNAUTHENTICATED ? { headers: { 'www-authenticate': 'Bearer' } } : {}) });
};

/** The principal as it travels to the holder of a session. */
export const handedOver = (principal: Principal): HandoffRequest['principal'] => ({
  ...principal,
  scopes: [...principal.scopes],
  allowedServers: [...principal.allowedServers],
  allowedTools: [...principal.allowedTools],
});
