import type { Principal } from '../../auth/principal.js';
import { mayCallTool } from '../mcp-scope.js';
import type { QualifiedName, ShortNames } from './gateway-names.js';
import { encodeListCursor, type ServerCursors } from './list-cursor.js';
import { toGatewayUri } from './resource-uris.js';
import { taskForClient } from './task-ids.js';
import { renameListed, rewriteResource } from './upstream-rewrite.js';

type Json = Record<string, unknown>;

/** The lists `/mcp` merges: the result's key and the capability a server needs to have one. */
export const LISTS = {
  'tools/list': { key: 'tools', capability: 'tools' },
  'prompts/list': { key: 'prompts', capability: 'prompts' },
  'resources/list': { key: 'resources', capability: 'resources' },
  'resources/templates/list': { key: 'resourceTemplates', capability: 'resources' },
  'tasks/list': { key: 'tasks', capability: 'tasks' },
} as const;
export type ListMethod = keyof typeof LISTS;

/** One page of one server's list, as the server sent it; `next`: its cursor for more. */
export interface ServerPage {
  server: string;
  items: Json[];
  next?: string;
}

/**
 * A listed item as the client sees it, or undefined when the key may not see it: tools and
 * prompts under their gateway name (a new short form is reported to `issued`, to be kept), tools
 * only when the key may call them, resources and templates with gateway URIs, tasks with gateway task ids.
 */
export function listedItem(method: ListMethod, server: string, item: Json, principal: Principal, names: ShortNames, issued: (short: string, qualified: QualifiedName) => void): Json | undefined {
  switch (method) {
    case 'tools/list':
    case 'prompts/list': {
      if (typeof item.name !== 'string') return undefined;
      if (method === 'tools/list' && !mayCallTool(principal, server, item.name)) return undefined;
      const { gateway, added } = names.name(server, item.name);
      if (added) issued(gateway, { server, name: item.name });
      return renameListed(item, gateway);
    }
    case 'resources/list':
    case 'resources/templates/list':
      return rewriteResource(item, (uri) => toGatewayUri(server, uri));
    case 'tasks/list':
      return taskForClient(server, item);
  }
}

/** One page of the merged list: every server's page in the order given, and one cursor for all that have more. */
export function mergePages(
  method: ListMethod,
  pages: readonly ServerPage[],
  principal: Principal,
  names: ShortNames,
  issued: (short: string, qualified: QualifiedName) => void,
): Json {
  const items: Json[] = [];
  const remaining: ServerCursors = {};
  for (const page of pages) {
    if (page.next !== undefined) remaining[page.server] = page.next;
    for (const item of page.items) {
      const shown = listedItem(method, page.server, item, principal, names, issued);
      if (shown !== undefined) items.push(shown);
    }
  }
  const nextCursor = encodeListCursor(remaining);
  return { [LISTS[method].key]: items, ...(nextCursor === undefined ? {} : { nextCursor }) };
}
