import { ApiKeyRole } from '@switchyard/db';

/** admin > operator > viewer for the admin API; agent keys never reach it. */
const RANK: Record<ApiKeyRole, number> = {
  [ApiKeyRole.ADMIN]: 3,
  [ApiKeyRole.OPERATOR]: 2,
  [ApiKeyRole.VIEWER]: 1,
  [ApiKeyRole.AGENT]: 0,
};

export function roleSatisfies(actual: ApiKeyRole, required: ApiKeyRole): boolean {
  return RANK[actual] >= RANK[required] && RANK[actual] > 0;
}

/** Scopes a key may hold. Calling the MCP gateway is a scope, not a role. */
export const Scope = { MCP_CALL: 'mcp:call' } as const;
export type Scope = (typeof Scope)[keyof typeof Scope];
export const KNOWN_SCOPES: readonly string[] = Object.values(Scope);

export function defaultScopesFor(role: ApiKeyRole): string[] {
  return role === ApiKeyRole.AGENT ? [Scope.MCP_CALL] : [];
}
