export type RequestId = string | number;

/**
 * Server → client requests (sampling, elicitation, roots) of several upstreams share one client
 * session on `/mcp`, and each upstream numbers its own from 0: on the client side their id is the
 * string `<server>:<the upstream's id as JSON>` (`everything:3`, `files:"a"`), which cannot
 * collide and maps back exactly, number or string.
 */
export function toClientRequestId(server: string, upstreamId: RequestId): string {
  return `${server}:${JSON.stringify(upstreamId)}`;
}

export function fromClientRequestId(clientId: RequestId): { server: string; id: RequestId } | undefined {
  if (typeof clientId !== 'string') return undefined;
  const at = clientId.indexOf(':');
  if (at <= 0) return undefined;
  const server = clientId.slice(0, at);
  if (!/^[a-z0-9-]{1,32}$/.test(server)) return undefined;
  let id: unknown;
  try {
    id = JSON.parse(clientId.slice(at + 1));
  } catch {
    return undefined;
  }
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? { server, id } : undefined;
}
