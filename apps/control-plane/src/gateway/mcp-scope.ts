import type { Principal } from '../auth/principal.js';
import { Scope } from '../auth/roles.js';

/**
 * What an API key may do on the MCP gateway. `mcp:call` opens it; `allowedServers` (empty = all)
 * narrows it to servers; `allowedTools` (empty = all) to tools, named `<server>__<tool>` as on the
 * aggregated endpoint. Pure: the principal comes from the same key verification as the admin API.
 */
export function mayUseGateway(principal: Principal): boolean {
  return principal.scopes.includes(Scope.MCP_CALL);
}

export function mayUseServer(principal: Principal, serverName: string): boolean {
  return mayUseGateway(principal) && (principal.allowedServers.length === 0 || principal.allowedServers.includes(serverName));
}

export function mayCallTool(principal: Principal, serverName: string, tool: string): boolean {
  return mayUseServer(principal, serverName) && (principal.allowedTools.length === 0 || principal.allowedTools.includes(`${serverName}__${tool}`));
}
