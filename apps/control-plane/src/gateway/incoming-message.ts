import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest } from '@switchyard/protocol';
import { JsonRpcCode } from './json-rpc-errors.js';

/** A client → server message, classified once so later steps do not re-parse it. */
export type IncomingMessage =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; message: Exclude<JsonRpcMessage, JsonRpcRequest | JsonRpcNotification> };

export type ParsedBody = { ok: true; incoming: IncomingMessage } | { ok: false; code: number; message: string };

/**
 * Reads one POST body: JSON (else -32700), then the SDK's JSONRPCMessageSchema (else -32700 as
 * the SDK's own transport answers an invalid message). JSON-RPC batches are refused: 2025-06-18
 * removed them and the SDK clients never send them (docs/gateway.md, "Not done yet").
 */
export function parseBody(body: Buffer | string | undefined): ParsedBody {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof body === 'string' ? body : (body ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    return { ok: false, code: JsonRpcCode.PARSE_ERROR, message: 'Parse error: the body is not JSON' };
  }
  if (Array.isArray(raw)) return { ok: false, code: JsonRpcCode.INVALID_REQUEST, message: 'Invalid Request: JSON-RPC batches are not supported' };
  const parsed = JSONRPCMessageSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, code: JsonRpcCode.PARSE_ERROR, message: 'Parse error: not a valid JSON-RPC message' };
  return { ok: true, incoming: classify(parsed.data as JsonRpcMessage) };
}

export function classify(message: JsonRpcMessage): IncomingMessage {
  if ('method' in message) return 'id' in message ? { kind: 'request', message } : { kind: 'notification', message };
  return { kind: 'response', message };
}
