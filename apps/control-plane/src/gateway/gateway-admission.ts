import { DomainError } from '@switchyard/protocol';
import type { Logger } from 'pino';
import type { ApiKeysService } from '../api-keys/api-keys.service.js';
import { bearerToken, hashSecret } from '../auth/api-key-secret.js';
import type { Principal } from '../auth/principal.js';
import type { GatewayReply } from './gateway-reply.js';
import { headerValue, protocolVersionProblem } from './http-checks.js';
import { JsonRpcCode } from './json-rpc-errors.js';
import { mayUseGateway } from './mcp-scope.js';
import { PrincipalCache } from './principal-cache.js';
import { refuse, refuseWith, Refusal } from './refusal.js';

export type Headers = Record<string, string | string[] | undefined>;

/**
 * The checks every gateway request passes, on `/mcp/<server>` and on `/mcp` alike: the key
 * (401 unknown, 403 without mcp:call; Origin was checked by the route) and MCP-Protocol-Version.
 */
export class GatewayAdmission {
  /** Key checks reused for SWITCHYARD_MCP_KEY_CACHE_SECONDS (a Postgres query per message otherwise). */
  private readonly principals: PrincipalCache;

  constructor(
    private readonly apiKeys: ApiKeysService,
    keyCacheMs: number,
  ) {
    this.principals = new PrincipalCache(keyCacheMs);
  }

  async admit(headers: Headers): Promise<Principal> {
    const token = bearerToken(headers.authorization);
    if (token === undefined) throw refuseWith(DomainError.unauthenticated());
    const keyHash = hashSecret(token);
    let principal = this.principals.get(keyHash, Date.now());
    if (principal === undefined) {
      principal = await this.apiKeys.authenticate(token).catch((error: unknown) => {
        throw error instanceof DomainError ? refuseWith(error) : error;
      });
      this.principals.set(keyHash, principal, Date.now());
    }
    if (!mayUseGateway(principal)) throw refuseWith(DomainError.forbidden('This API key lacks the mcp:call scope'));
    return principal;
  }

  /** A key changed or found revoked: its cached check is dropped, so its next request here reads it anew (401 when revoked). */
  forgetKey(keyId: string): void {
    this.principals.forgetKey(keyId);
  }

  checkProtocolVersion(headers: Headers): void {
    const problem = protocolVersionProblem(headerValue(headers['mcp-protocol-version']));
    if (problem !== undefined) throw refuse(400, JsonRpcCode.SERVER_ERROR, problem);
  }
}

/**
 * Runs a request's work and turns what it throws into the reply: a Refusal as it is, a
 * DomainError by the one mapping, anything else a logged 500 (`failure` names it in the log).
 */
export async function replying(work: () => Promise<GatewayReply>, log: Logger, failure: string): Promise<GatewayReply> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Refusal) return error.reply;
    if (error instanceof DomainError) return refuseWith(error).reply;
    log.error({ err: (error as Error).message }, failure);
    return refuse(500, JsonRpcCode.INTERNAL_ERROR, 'Internal error').reply;
  }
}
