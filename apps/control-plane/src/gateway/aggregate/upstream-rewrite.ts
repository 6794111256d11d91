import type { AnswerKind } from './request-target.js';
import { fromGatewayUri, toGatewayUri } from './resource-uris.js';
import { createdTaskForClient, relatedTaskForClient, relatedTaskForServer, taskForClient } from './task-ids.js';

/**
 * What changes in an upstream's messages on their way to a `/mcp` client (and back): names get
 * their server prefix, resource URIs their gateway form. Pure functions over plain JSON; anything
 * they do not know is passed on unchanged.
 */
type Json = Record<string, unknown>;
type MapUri = (uri: string) => string;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A content block: `resource_link` and embedded `resource` carry URIs; text, images, audio do not. */
export function rewriteContentBlock(block: unknown, mapUri: MapUri): unknown {
  if (!isObject(block)) return block;
  if (block.type === 'resource_link' && typeof block.uri === 'string') return { ...block, uri: mapUri(block.uri) };
  if (block.type === 'resource' && isObject(block.resource) && typeof block.resource.uri === 'string') return { ...block, resource: { ...block.resource, uri: mapUri(block.resource.uri) } };
  return block;
}

/** tools/call: every content block (structuredContent is the tool's own data and stays as it is). */
export function rewriteToolResult(result: Json, mapUri: MapUri): Json {
  return Array.isArray(result.content) ? { ...result, content: result.content.map((block) => rewriteContentBlock(block, mapUri)) } : result;
}

/** prompts/get: each message has one content block. */
export function rewritePromptResult(result: Json, mapUri: MapUri): Json {
  if (!Array.isArray(result.messages)) return result;
  return { ...result, messages: result.messages.map((message) => (isObject(message) ? { ...message, content: rewriteContentBlock(message.content, mapUri) } : message)) };
}

/** resources/read: each content item names its URI. */
export function rewriteReadResult(result: Json, mapUri: MapUri): Json {
  if (!Array.isArray(result.contents)) return result;
  return { ...result, contents: result.contents.map((item) => (isObject(item) && typeof item.uri === 'string' ? { ...item, uri: mapUri(item.uri) } : item)) };
}

/** A resource of resources/list (`uri`) or a template of resources/templates/list (`uriTemplate`). */
export function rewriteResource(resource: Json, mapUri: MapUri): Json {
  const out = { ...resource };
  if (typeof out.uri === 'string') out.uri = mapUri(out.uri);
  if (typeof out.uriTemplate === 'string') out.uriTemplate = mapUri(out.uriTemplate);
  return out;
}

/** A tool or prompt of a list, under its gateway name; the title (what people read) keeps the real name when it had none. */
export function renameListed(item: Json, gatewayName: string): Json {
  const title = typeof item.title === 'string' ? item.title : typeof item.name === 'string' ? item.name : undefined;
  return { ...item, name: gatewayName, ...(title === undefined ? {} : { title }) };
}

/**
 * A notification of an upstream as its `/mcp` client sees it (progress is matched to its request
 * elsewhere): the URI of a resource update, the id of a server → client request the upstream
 * cancels, a log line's logger (prefixed with the server, so the client can tell the sources apart),
 * the task of a task status, the related task any other one names in `_meta`.
 */
export function rewriteNotification(server: string, method: string, params: Json | undefined, mapUri: MapUri, mapRequestId: (id: string | number) => string): Json | undefined {
  if (params === undefined) return params;
  switch (method) {
    case 'notifications/resources/updated':
      return typeof params.uri === 'string' ? { ...params, uri: mapUri(params.uri) } : params;
    case 'notifications/cancelled':
      return typeof params.requestId === 'string' || typeof params.requestId === 'number' ? { ...params, requestId: mapRequestId(params.requestId) } : params;
    case 'notifications/message':
      return { ...params, logger: typeof params.logger === 'string' ? `${server}/${params.logger}` : server };
    case 'notifications/tasks/status':
      return taskForClient(server, params);
    default:
      return relatedTaskForClient(server, params);
  }
}

/**
 * The result of a routed request as its `/mcp` client sees it: URIs in gateway form, and task ids
 * (a tools/call that became a task, a Task of tasks/get or tasks/cancel, the related task of any
 * result's `_meta`) naming the server.
 */
export function rewriteAnswer(kind: AnswerKind, server: string, result: Json): Json {
  const mapUri = (uri: string) => toGatewayUri(server, uri);
  switch (kind) {
    case 'tool-result':
      return createdTaskForClient(server, rewriteToolResult(result, mapUri));
    case 'task-result':
      // The result of the request the task stands for: a tools/call's, the only kind servers run as tasks.
      return relatedTaskForClient(server, rewriteToolResult(result, mapUri));
    case 'task':
      return taskForClient(server, result);
    case 'prompt':
      return relatedTaskForClient(server, rewritePromptResult(result, mapUri));
    case 'read':
      return relatedTaskForClient(server, rewriteReadResult(result, mapUri));
    case 'plain':
      return relatedTaskForClient(server, result);
  }
}

/**
 * A server → client request as its `/mcp` client sees it: resource links and embedded resources in
 * a sampling request's messages (the results of tools the model used) get gateway URIs (the client may read them back through `/mcp`),
 * a progress token becomes `mapToken`'s (the client's progress on it must find this server again),
 * and a related task its gateway id. Elicitation and roots carry no resource URIs.
 */
export function rewriteServerRequest(server: string, method: string, params: Json | undefined, mapUri: MapUri, mapToken: (token: string | number) => string): Json | undefined {
  if (params === undefined) return params;
  let out = relatedTaskForClient(server, params);
  const meta = out._meta;
  if (isObject(meta) && (typeof meta.progressToken === 'string' || typeof meta.progressToken === 'number')) out = { ...out, _meta: { ...meta, progressToken: mapToken(meta.progressToken) } };
  if (method === 'sampling/createMessage' && Array.isArray(out.messages)) {
    out = { ...out, messages: out.messages.map((message) => (isObject(message) ? { ...message, content: rewriteSamplingContent(message.content, mapUri) } : message)) };
  }
  return out;
}

/**
 * The content of a sampling message or result: one block or (2025-11-25) an array of them, where
 * resources appear in the content of a tool_result block (text, image and audio carry none).
 */
function rewriteSamplingContent(value: unknown, mapUri: MapUri): unknown {
  const block = (item: unknown): unknown =>
    isObject(item) && item.type === 'tool_result' && Array.isArray(item.content) ? { ...item, content: item.content.map((inner) => rewriteContentBlock(inner, mapUri)) } : rewriteContentBlock(item, mapUri);
  return Array.isArray(value) ? value.map(block) : block(value);
}

/**
 * The client's answer to `server`'s request, as that server must see it: the related task of its
 * `_meta` with the server's id, and in a sampling result (CreateMessageResult: `model` and
 * `content`) the gateway URIs of that server's resources back in the server's form.
 */
export function rewriteClientAnswer(server: string, result: Json): Json {
  const out = relatedTaskForServer(server, result);
  if (typeof out.model !== 'string' || out.content === undefined) return out;
  const mapUri = (uri: string) => {
    const own = fromGatewayUri(uri);
    return own !== undefined && own.server === server ? own.uri : uri;
  };
  return { ...out, content: rewriteSamplingContent(out.content, mapUri) };
}
