import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { ApiKeyRole } from '@switchyard/db';
import type { Principal, RequestWithPrincipal } from './principal.js';

export const REQUIRED_ROLE = 'switchyard:requiredRole';
export const PUBLIC_ROUTE = 'switchyard:public';

/** The least role that may call this resolver or route. Anything undecorated is refused. */
export const RequireRole = (role: ApiKeyRole) => SetMetadata(REQUIRED_ROLE, role);

/** Explicitly open to anonymous callers (health probes only). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

export function requestOf(context: ExecutionContext): RequestWithPrincipal {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<{ req: RequestWithPrincipal }>().req;
  }
  return context.switchToHttp().getRequest<RequestWithPrincipal>();
}

/** The authenticated caller of a guarded resolver. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = requestOf(context).principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return principal;
});
