import type { QualifiedName } from './gateway-names.js';
import { fromGatewayUri } from './resource-uris.js';
import { fromGatewayTaskId } from './task-ids.js';

type Json = Record<string, unknown>;

/**
 * How the answer of a routed request is rewritten for the client: `task` is a Task (tasks/get,
 * tasks/cancel), `task-result` the result of the request that became the task (tasks/result).
 */
export type AnswerKind = 'tool-result' | 'prompt' | 'read' | 'task' | 'task-result' | 'plain';

export type RequestTarget =
  | { ok: true; server: string; params: Json; answer: AnswerKind; tool?: string }
  | { ok: false; message: string };

/** Requests of a `/mcp` client that one upstream answers. */
export const ROUTED_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read', 'resources/subscribe', 'resources/unsubscribe', 'completion/complete', 'tasks/get', 'tasks/result', 'tasks/cancel']);

/**
 * Which server a client request goes to and its params as that server must see them: the real
 * tool or prompt name, the server's own resource URI. `resolveName` maps a gateway name (short
 * forms included) back; pure otherwise.
 */
export function requestTarget(method: string, params: Json, resolveName: (gatewayName: string) => QualifiedName | undefined): RequestTarget {
  switch (method) {
    case 'tools/call':
    case 'prompts/get': {
      const what = method === 'tools/call' ? 'tool' : 'prompt';
      if (typeof params.name !== 'string') return { ok: false, message: `${method} needs params.name` };
      const qualified = resolveName(params.name);
      if (qualified === undefined) return { ok: false, message: `Unknown ${what} ${params.name}: names on /mcp are <server>__<${what}>` };
      return { ok: true, server: qualified.server, params: { ...params, name: qualified.name }, answer: method === 'tools/call' ? 'tool-result' : 'prompt', ...(what === 'tool' ? { tool: qualified.name } : {}) };
    }
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe': {
      const target = typeof params.uri === 'string' ? fromGatewayUri(params.uri) : undefined;
      if (target === undefined) return { ok: false, message: `${method} needs a resource URI of this gateway (switchyard://<server>/<uri>)` };
      return { ok: true, server: target.server, params: { ...params, uri: target.uri }, answer: method === 'resources/read' ? 'read' : 'plain' };
    }
    case 'completion/complete': {
      const ref = params.ref as Json | undefined;
      if (ref?.type === 'ref/prompt' && typeof ref.name === 'string') {
        const qualified = resolveName(ref.name);
        if (qualified === undefined) return { ok: false, message: `Unknown prompt ${ref.name}` };
        return { ok: true, server: qualified.server, params: { ...params, ref: { ...ref, name: qualified.name } }, answer: 'plain' };
      }
      if (ref?.type === 'ref/resource' && typeof ref.uri === 'string') {
        const target = fromGatewayUri(ref.uri);
        if (target === undefined) return { ok: false, message: 'completion/complete needs a resource template URI of this gateway' };
        return { ok: true, server: target.server, params: { ...params, ref: { ...ref, uri: target.uri } }, answer: 'plain' };
      }
      return { ok: false, message: 'completion/complete needs params.ref (ref/prompt or ref/resource)' };
    }
    case 'tasks/get':
    case 'tasks/result':
    case 'tasks/cancel': {
      const task = fromGatewayTaskId(params.taskId);
      if (task === undefined) return { ok: false, message: `${method} needs a task id of this gateway (<server>:<task id>)` };
      return { ok: true, server: task.server, params: { ...params, taskId: task.taskId }, answer: method === 'tasks/result' ? 'task-result' : 'task' };
    }
    default:
      return { ok: false, message: `${method} is not routed to a server` };
  }
}
