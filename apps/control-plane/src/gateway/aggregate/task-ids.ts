/**
 * Task ids (MCP 2025-11-25, experimental tasks) on `/mcp`. Each upstream names its own tasks, so two
 * servers may hand out the same id: on the client side a task id is `<server>:<the upstream's
 * task id>` (server names are `[a-z0-9-]{1,32}`, so the first `:` ends the server), which names
 * the upstream tasks/get, tasks/result and tasks/cancel go to and maps back exactly. Pure functions
 * over plain JSON; anything else is passed on unchanged.
 */
type Json = Record<string, unknown>;

/** Where a message names the task it belongs to (`_meta`), e.g. an elicitation a task needs. */
export const RELATED_TASK_META_KEY = 'io.modelcontextprotocol/related-task';

const SERVER_NAME = /^[a-z0-9-]{1,32}$/;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export function toGatewayTaskId(server: string, taskId: string): string {
  return `${server}:${taskId}`;
}

export function fromGatewayTaskId(gatewayTaskId: unknown): { server: string; taskId: string } | undefined {
  if (typeof gatewayTaskId !== 'string') return undefined;
  const at = gatewayTaskId.indexOf(':');
  const server = gatewayTaskId.slice(0, Math.max(0, at));
  return at > 0 && SERVER_NAME.test(server) ? { server, taskId: gatewayTaskId.slice(at + 1) } : undefined;
}

/** A Task (tasks/get, tasks/cancel, a tasks/list item, notifications/tasks/status params) with the client's id. */
export function taskForClient(server: string, task: Json): Json {
  return withRelatedTask(typeof task.taskId === 'string' ? { ...task, taskId: toGatewayTaskId(server, task.taskId) } : task, (id) => toGatewayTaskId(server, id));
}

/** A result or params whose `_meta` names a related task: that task's id for the client. */
export function relatedTaskForClient(server: string, value: Json): Json {
  return withRelatedTask(value, (id) => toGatewayTaskId(server, id));
}

/** A tools/call result: a CreateTaskResult (the call became a task) gets the client's task id. */
export function createdTaskForClient(server: string, result: Json): Json {
  const out = relatedTaskForClient(server, result);
  return isObject(out.task) ? { ...out, task: taskForClient(server, out.task) } : out;
}

/**
 * A client's params or result whose `_meta` names a related task of `server` (an answer to an
 * elicitation a task asked for): the upstream's id again. A task of another server, or an id not
 * of this gateway, is left as it is.
 */
export function relatedTaskForServer(server: string, value: Json): Json {
  return withRelatedTask(value, (id) => {
    const task = fromGatewayTaskId(id);
    return task !== undefined && task.server === server ? task.taskId : id;
  });
}

function withRelatedTask(value: Json, map: (taskId: string) => string): Json {
  const meta = value._meta;
  if (!isObject(meta)) return value;
  const related = meta[RELATED_TASK_META_KEY];
  if (!isObject(related) || typeof related.taskId !== 'string') return value;
  return { ...value, _meta: { ...meta, [RELATED_TASK_META_KEY]: { ...related, taskId: map(related.taskId) } } };
}
