/**
 * One opaque cursor for a list merged from several servers: the cursor of every server that has
 * more pages (`null`: not asked yet — never in an encoded cursor, which only carries servers with
 * more to give). base64url of JSON, versioned, so a client passes it back untouched.
 */
export type ServerCursors = Record<string, string>;

const VERSION = 1;
const SERVER_NAME = /^[a-z0-9-]{1,32}$/;

export function encodeListCursor(remaining: ServerCursors): string | undefined {
  if (Object.keys(remaining).length === 0) return undefined;
  return Buffer.from(JSON.stringify({ v: VERSION, s: remaining }), 'utf8').toString('base64url');
}

/** The per-server cursors in a cursor this gateway issued; undefined for anything else. */
export function decodeListCursor(cursor: string): ServerCursors | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { v?: unknown }).v !== VERSION) return undefined;
  const servers = (parsed as { s?: unknown }).s;
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) return undefined;
  const out: ServerCursors = {};
  for (const [server, value] of Object.entries(servers)) {
    if (typeof value !== 'string' || !SERVER_NAME.test(server)) return undefined;
    out[server] = value;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
