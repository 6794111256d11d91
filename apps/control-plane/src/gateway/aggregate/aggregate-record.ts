/**
 * An aggregated `/mcp` session as every replica sees it (Redis, `sy:gw:agg:<id>`): whose key opened
 * it, the protocol version the gateway answered, and the replica holding it — where its upstream
 * sessions (one per server, opened on first use) and their relay sessions live.
 */
export interface AggregateRecord {
  sessionId: string;
  apiKeyId: string;
  protocolVersion: string;
  replicaId: string;
  createdAt: string;
  /** Server name → the upstream session id (a `/mcp/<server>` session record of its own). */
  upstreams: Record<string, string>;
}
