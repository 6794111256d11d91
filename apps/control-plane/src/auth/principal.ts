import type { ApiKeyRole } from '@switchyard/db';

/** Who is calling: an authenticated API key. Attached to the request by the auth guard. */
export interface Principal {
  keyId: string;
  name: string;
  role: ApiKeyRole;
  scopes: readonly string[];
  allowedServers: readonly string[];
  allowedTools: readonly string[];
}

export interface RequestWithPrincipal {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}
