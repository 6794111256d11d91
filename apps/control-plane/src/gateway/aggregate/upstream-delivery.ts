import type { JsonRpcMessage } from '@switchyard/protocol';
import { toGatewayUri } from './resource-uris.js';
import { toClientRequestId, type RequestId } from './server-request-ids.js';
import { rewriteNotification, rewriteServerRequest } from './upstream-rewrite.js';

type Json = Record<string, unknown>;

/** What delivery needs to know of a client request routed to an upstream and not answered yet. */
export interface RoutedRequest {
  server: string;
  /** The id (and progress token) the upstream knows it by. */
  upstreamId: number;
  /** Its answer goes to an SSE stream (else one JSON body, which carries nothing else). */
  sse: boolean;
  /** The client's progress token, when it asked for progress. */
  progressToken?: RequestId;
}

export type Delivery<T extends RoutedRequest> =
  /** To the stream of this request. */
  | { to: 'request'; request: T; message: JsonRpcMessage }
  /** To the session's GET stream. */
  | { to: 'standalone'; message: JsonRpcMessage }
  | { to: 'drop'; reason: string };

/**
 * Where a message an upstream sends besides answers goes on `/mcp`, and how it reads there:
 * - a server → client request gets an id that cannot collide with another upstream's
 *   (`<server>:<id>`; its progress token too), gateway URIs in a sampling request's messages, and
 *   goes where the upstream's cancellation of it goes too;
 * - progress goes to the request it reports on, with the client's token (none in flight: dropped,
 *   as the spec wants and /mcp/<server> does);
 * - everything else (list_changed, logs, resource updates) to the GET stream, rewritten.
 * "Where" for a server's requests: the stream of that server's one SSE request in flight (a tool
 * asking for sampling mid-call, the usual case), else the GET stream — the rule of /mcp/<server>
 * (event-routing.ts), per server.
 */
export function deliveryOf<T extends RoutedRequest>(server: string, message: JsonRpcMessage, routed: Iterable<T>): Delivery<T> {
  if (!('method' in message)) return { to: 'drop', reason: 'an answer outside a request' };
  const requests = [...routed].filter((request) => request.server === server);
  const params = message.params as Json | undefined;
  const relatedTo = (rewritten: JsonRpcMessage): Delivery<T> => {
    const sse = requests.filter((request) => request.sse);
    return sse.length === 1 ? { to: 'request', request: sse[0] as T, message: rewritten } : { to: 'standalone', message: rewritten };
  };
  if ('id' in message) {
    const rewrittenParams = rewriteServerRequest(server, message.method, params, (uri) => toGatewayUri(server, uri), (token) => toClientRequestId(server, token));
    return relatedTo({ ...message, id: toClientRequestId(server, message.id), ...(rewrittenParams === undefined ? {} : { params: rewrittenParams }) } as JsonRpcMessage);
  }
  if (message.method === 'notifications/progress') {
    const token = params?.progressToken;
    const request = requests.find((candidate) => candidate.upstreamId === token && candidate.progressToken !== undefined);
    if (request === undefined) return { to: 'drop', reason: `progress for no request in flight (token ${String(token)})` };
    const rewritten = { ...message, params: { ...params, progressToken: request.progressToken } } as JsonRpcMessage;
    return request.sse ? { to: 'request', request, message: rewritten } : { to: 'standalone', message: rewritten };
  }
  const rewrittenParams = rewriteNotification(server, message.method, params, (uri) => toGatewayUri(server, uri), (id) => toClientRequestId(server, id));
  const rewritten = { ...message, ...(rewrittenParams === undefined ? {} : { params: rewrittenParams }) } as JsonRpcMessage;
  return message.method === 'notifications/cancelled' ? relatedTo(rewritten) : { to: 'standalone', message: rewritten };
}
