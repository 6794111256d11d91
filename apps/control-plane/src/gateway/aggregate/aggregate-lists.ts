import type { JsonRpcMessage, JsonRpcRequest } from '@switchyard/protocol';
import type { Logger } from 'pino';
import type { Principal } from '../../auth/principal.js';
import { errorResponse, JsonRpcCode } from '../json-rpc-errors.js';
import { mayUseServer } from '../mcp-scope.js';
import type { AggregateUpstreams } from './aggregate-upstreams.js';
import { splitGatewayName, type QualifiedName, type ShortNames } from './gateway-names.js';
import { decodeListCursor } from './list-cursor.js';
import { LISTS, listedItem, mergePages, type ListMethod, type ServerPage } from './merged-lists.js';
import type { SessionView } from './session-view.js';

type Json = Record<string, unknown>;

/** Pages of one server's tools read at most to learn a short name the session has not handed out. */
const RELEARN_MAX_PAGES = 20;

export interface AggregateListsDeps {
  sessionId: string;
  logger: Logger;
  /** Servers that could be opened now, by name (the key's scope is applied here). */
  servedServers(): Promise<string[]>;
  /** A short name handed out: kept in Redis beside the record. */
  issued(short: string, qualified: QualifiedName): void;
}

/** Whether an upstream has a list: its capability, and for tasks the `tasks.list` in it. */
const offersList = (capabilities: Json, method: ListMethod, capability: string): boolean => {
  const offered = capabilities[capability] as Json | undefined;
  return offered !== undefined && (method !== 'tasks/list' || (typeof offered === 'object' && offered !== null && offered.list !== undefined));
};

/**
 * The lists of one `/mcp` session (docs/gateway.md, "Lists and cursors"): one page of every server
 * it lists, asked in parallel and merged under gateway names with one composed cursor; what the
 * client was shown goes into the session's view (what it believes it sees).
 */
export class AggregateLists {
  constructor(
    private readonly upstreams: AggregateUpstreams,
    private readonly names: ShortNames,
    private readonly view: SessionView,
    private readonly deps: AggregateListsDeps,
  ) {}

  async list(principal: Principal, message: JsonRpcRequest, params: Json): Promise<JsonRpcMessage> {
    const method = message.method as ListMethod;
    let targets: Array<[string, string | undefined]>;
    if (typeof params.cursor === 'string') {
      const cursors = decodeListCursor(params.cursor);
      if (cursors === undefined) return errorResponse(message.id, JsonRpcCode.INVALID_PARAMS, 'Invalid params: not a cursor of this gateway');
      targets = Object.entries(cursors).filter(([server]) => mayUseServer(principal, server));
    } else if (method === 'tasks/list') {
      // Tasks live in the upstream sessions this session opened: servers it never opened have none of its tasks.
      targets = [...this.upstreams.values()].filter((upstream) => mayUseServer(principal, upstream.server)).map((upstream) => [upstream.server, undefined]);
    } else {
      const served = await this.deps.servedServers();
      this.view.listed(served, principal);
      targets = served.filter((server) => mayUseServer(principal, server)).map((server) => [server, undefined]);
    }
    const pages = await Promise.all(targets.map(([server, cursor]) => this.page(principal, server, method, cursor)));
    if (method === 'tools/list') this.view.toolsListed(pages.map((page) => ({ server: page.server, names: page.items.map((item) => item.name).filter((name): name is string => typeof name === 'string') })), typeof params.cursor !== 'string');
    return { jsonrpc: '2.0', id: message.id, result: mergePages(method, pages, principal, this.names, this.deps.issued) };
  }

  /** A name in short form the session did not hand out (the client kept it from an earlier session): list that server's tools to learn it. */
  async relearnNames(principal: Principal, gatewayName: string): Promise<void> {
    const server = splitGatewayName(gatewayName)?.server;
    if (server === undefined || !mayUseServer(principal, server)) return;
    let cursor: string | undefined;
    for (let page = 0; page < RELEARN_MAX_PAGES; page += 1) {
      const { items, next } = await this.page(principal, server, 'tools/list', cursor);
      for (const item of items) listedItem('tools/list', server, item, principal, this.names, this.deps.issued);
      if (next === undefined) return;
      cursor = next;
    }
  }

  /** One page of one server's list; a server that cannot be reached or lacks the capability lists nothing. */
  private async page(principal: Principal, server: string, method: ListMethod, cursor: string | undefined): Promise<ServerPage> {
    const { key, capability } = LISTS[method];
    try {
      const upstream = await this.upstreams.upstream(server, principal);
      if (!offersList(upstream.capabilities, method, capability)) return { server, items: [] };
      const result = await this.upstreams.ask(upstream, method, cursor === undefined ? undefined : { cursor });
      const items = Array.isArray(result[key]) ? (result[key] as Json[]) : [];
      return { server, items, ...(typeof result.nextCursor === 'string' ? { next: result.nextCursor } : {}) };
    } catch (error) {
      this.deps.logger.warn({ sessionId: this.deps.sessionId, server, method, err: (error as Error).message }, 'a server is left out of an aggregated list');
      return { server, items: [] };
    }
  }
}
