import type { Principal } from '../../auth/principal.js';
import { mayCallTool, mayUseServer } from '../mcp-scope.js';

export const LIST_KINDS = ['tools', 'prompts', 'resources'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((item) => b.has(item));

/**
 * What a `/mcp` client believes it sees: the servers served when it last listed, the tools those
 * servers returned in its last tools/list (before the key's filter), and the key as it was then.
 * When the served servers or the key change, `changed` says which of the client's lists really
 * look different now — so list_changed is sent when something visible changed, and only then (a
 * key widened to a server nobody serves, or to a tool no server has, changes nothing). Pure.
 */
export class SessionView {
  private served: readonly string[] | undefined;
  private principal: Principal | undefined;
  /** Server → the tool names its pages of the last tools/list held. */
  private tools = new Map<string, Set<string>>();

  /** The client listed from the start (no cursor): `served` are the servers served then, before the key's scope. */
  listed(served: readonly string[], principal: Principal): void {
    this.served = served;
    this.principal = principal;
  }

  /** A page of tools/list, every server's part of it: a first page starts the tools afresh. */
  toolsListed(pages: ReadonlyArray<{ server: string; names: readonly string[] }>, firstPage: boolean): void {
    if (firstPage) this.tools = new Map();
    for (const { server, names } of pages) {
      const known = this.tools.get(server) ?? new Set<string>();
      for (const name of names) known.add(name);
      this.tools.set(server, known);
    }
  }

  /**
   * The lists that look different to the client with `served` and `principal` now (none before it
   * ever listed); the view moves on to them. Another set of servers changes every list; the same
   * servers with other tools allowed change the tools only.
   */
  changed(served: readonly string[], principal: Principal): ListKind[] {
    if (this.served === undefined || this.principal === undefined) return [];
    const before = this.visibleServers(this.served, this.principal);
    const after = this.visibleServers(served, principal);
    const toolsBefore = this.visibleTools(before, this.principal);
    this.served = served;
    this.principal = principal;
    if (!sameSet(before, after)) return [...LIST_KINDS];
    return sameSet(toolsBefore, this.visibleTools(after, principal)) ? [] : ['tools'];
  }

  private visibleServers(served: readonly string[], principal: Principal): Set<string> {
    return new Set(served.filter((server) => mayUseServer(principal, server)));
  }

  private visibleTools(servers: ReadonlySet<string>, principal: Principal): Set<string> {
    const visible = new Set<string>();
    for (const server of servers) for (const name of this.tools.get(server) ?? []) if (mayCallTool(principal, server, name)) visible.add(`${server}\u0000${name}`);
    return visible;
  }
}

/**
 * The key's scope a session acts on. A key check is cached for `cacheMs` (PrincipalCache), so the
 * principal of a request may be older than what the session's last sweep read from the database:
 * for `cacheMs` after a sweep saw the key, the sweep's is used — the client, told its lists
 * changed, then lists what it was told about, not the cached scope. After that the request's
 * principal was checked after the sweep and is the fresher. Pure: time comes in as `now`.
 */
export function scopeInForce(requestPrincipal: Principal, swept: { principal: Principal; at: number } | undefined, now: number, cacheMs: number): Principal {
  if (swept === undefined || swept.principal.keyId !== requestPrincipal.keyId || now - swept.at >= cacheMs) return requestPrincipal;
  return swept.principal;
}
