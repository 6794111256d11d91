import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '@switchyard/protocol';
import type { ApiKeyRole } from '@switchyard/db';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import { PUBLIC_ROUTE, REQUIRED_ROLE, requestOf } from './access.decorators.js';
import { bearerToken } from './api-key-secret.js';
import { roleSatisfies } from './roles.js';

/**
 * The one gate in front of every resolver and route (registered as APP_GUARD). Fail closed:
 * a handler without @RequireRole or @Public is refused, so a forgotten decorator cannot open
 * a field to the world (a test walks the whole schema to prove it).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = requestOf(context);
    const token = bearerToken(request.headers.authorization);
    if (!token) throw DomainError.unauthenticated();
    const principal = await this.apiKeys.authenticate(token);
    request.principal = principal;

    const required = this.reflector.getAllAndOverride<ApiKeyRole | undefined>(REQUIRED_ROLE, targets);
    if (!required) throw DomainError.forbidden('This operation is not open to any role');
    if (!roleSatisfies(principal.role, required)) {
      throw DomainError.forbidden(`Requires role ${required} or higher; this key has role ${principal.role}`);
    }
    return true;
  }
}
