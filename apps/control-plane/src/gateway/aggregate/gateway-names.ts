import { createHash } from 'node:crypto';

/** `<server>__<name>`: server names are `[a-z0-9-]{1,32}`, so the first `__` always ends the server. */
export const NAME_SEPARATOR = '__';
/** Many clients (and model APIs) refuse tool names longer than this. */
export const MAX_NAME_LENGTH = 64;
/** Characters of the hash that ends a short form: 60 bits of SHA-256, base64url. */
const HASH_LENGTH = 10;

const SERVER_NAME = /^[a-z0-9-]{1,32}$/;

export interface QualifiedName {
  server: string;
  name: string;
}

/**
 * A tool's or prompt's name on `/mcp`: `<server>__<name>`, or, when that is longer than 64
 * characters, its first 53 characters, `-` and a hash of the whole: stable across sessions and
 * replicas (a function of the name only), and still starting with `<server>__` (server names are at
 * most 32 characters), so the server can be read from it. Only the short form needs a lookup back.
 */
export function gatewayName(server: string, name: string): string {
  const full = `${server}${NAME_SEPARATOR}${name}`;
  if (full.length <= MAX_NAME_LENGTH) return full;
  const hash = createHash('sha256').update(full).digest('base64url').slice(0, HASH_LENGTH);
  return `${full.slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1)}-${hash}`;
}

/** Splits `<server>__<name>` at its first separator; undefined when it names no server. */
export function splitGatewayName(gateway: string): QualifiedName | undefined {
  const at = gateway.indexOf(NAME_SEPARATOR);
  if (at <= 0) return undefined;
  const server = gateway.slice(0, at);
  const name = gateway.slice(at + NAME_SEPARATOR.length);
  return SERVER_NAME.test(server) && name.length > 0 ? { server, name } : undefined;
}

/**
 * The names one aggregated session has handed out in short form, so a call can be mapped back to
 * the real name. Names that were not shortened need no entry.
 */
export class ShortNames {
  private readonly byShort = new Map<string, QualifiedName>();

  constructor(entries: Iterable<[string, QualifiedName]> = []) {
    for (const [short, qualified] of entries) this.byShort.set(short, qualified);
  }

  /** The gateway name of `server`'s `name`; a new short form is returned as `added` so it can be persisted. */
  name(server: string, name: string): { gateway: string; added: boolean } {
    const gateway = gatewayName(server, name);
    if (gateway === `${server}${NAME_SEPARATOR}${name}` || this.byShort.has(gateway)) return { gateway, added: false };
    this.byShort.set(gateway, { server, name });
    return { gateway, added: true };
  }

  /**
   * The real server and name behind a gateway name. A 64-character name that this session never
   * handed out in short form is taken literally (it may be a real name of exactly that length).
   */
  resolve(gateway: string): QualifiedName | undefined {
    return this.byShort.get(gateway) ?? splitGatewayName(gateway);
  }

  /** Whether `gateway` looks like a short form this session does not know (the client learned it elsewhere). */
  unknownShortForm(gateway: string): boolean {
    return gateway.length === MAX_NAME_LENGTH && !this.byShort.has(gateway);
  }
}
