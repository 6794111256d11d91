import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest } from '@switchyard/protocol';

/** JSON-RPC request ids as MCP uses them. `1` and `"1"` are different ids (a Map keeps them apart). */
export type RequestId = string | number;

export function isRequest(message: JsonRpcMessage): message is JsonRpcRequest {
  return 'method' in message && 'id' in message;
}

export function isNotification(message: JsonRpcMessage): message is JsonRpcNotification {
  return 'method' in message && !('id' in message);
}

/** A result or an error: the answer to a request. */
export function isResponse(message: JsonRpcMessage): message is Exclude<JsonRpcMessage, JsonRpcRequest | JsonRpcNotification> {
  return !('method' in message);
}

export function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
}

/** `params._meta.progressToken` of a request, when the client asked for progress. */
export function progressTokenOf(message: JsonRpcRequest | JsonRpcNotification): RequestId | undefined {
  const meta = message.params?._meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const token = (meta as { progressToken?: unknown }).progressToken;
  return isRequestId(token) ? token : undefined;
}
