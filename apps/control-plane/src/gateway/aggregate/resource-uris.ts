/**
 * Resource URIs on `/mcp`: `switchyard://<server>/<the server's own URI, verbatim>`. The original
 * is kept as it is (not encoded), so that
 * - the round trip is exact for any string (strip the prefix),
 * - resource templates stay templates: RFC 6570 expansion touches only `{…}`, which the prefix has
 *   none of, so a client expanding `switchyard://files/file:///{path}` gets a URI that maps back to
 *   the server's expansion,
 * - people can read what they see.
 * Clients must treat the URI as opaque (not normalize it), as MCP asks of resource URIs anyway.
 */
export const GATEWAY_URI_PREFIX = 'switchyard://';

const GATEWAY_URI = /^switchyard:\/\/([a-z0-9-]{1,32})\/([\s\S]*)$/;

export function toGatewayUri(server: string, uri: string): string {
  return `${GATEWAY_URI_PREFIX}${server}/${uri}`;
}

/** The server and its own URI behind a gateway URI; undefined for anything not in gateway form. */
export function fromGatewayUri(uri: string): { server: string; uri: string } | undefined {
  const match = GATEWAY_URI.exec(uri);
  return match === null ? undefined : { server: match[1] as string, uri: match[2] as string };
}
