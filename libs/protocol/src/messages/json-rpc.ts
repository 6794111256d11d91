import { z } from 'zod';

/**
 * The shape of a JSON-RPC 2.0 message as MCP uses it, mirroring the SDK's own JSONRPCMessageSchema
 * (strict objects, ids are strings or integers, params and result are objects) so the relay never
 * carries what an MCP peer would refuse. Only the envelope is checked: params and result are
 * passed through whole, `_meta` and all, because their meaning belongs to the MCP method.
 */
const requestId = z.union([z.string(), z.int()]);
const jsonObject = z.record(z.string(), z.unknown());
const jsonrpc = z.literal('2.0');

export const jsonRpcRequestSchema = z.strictObject({ jsonrpc, id: requestId, method: z.string().min(1), params: jsonObject.optional() });
export const jsonRpcNotificationSchema = z.strictObject({ jsonrpc, method: z.string().min(1), params: jsonObject.optional() });
export const jsonRpcResultSchema = z.strictObject({ jsonrpc, id: requestId, result: jsonObject });
export const jsonRpcErrorSchema = z.strictObject({
  jsonrpc,
  // Absent only when the request's id could not be read (a parse error), as in the SDK.
  id: requestId.optional(),
  error: z.looseObject({ code: z.int(), message: z.string(), data: z.unknown().optional() }),
});

export const jsonRpcMessageSchema = z.union([jsonRpcRequestSchema, jsonRpcNotificationSchema, jsonRpcResultSchema, jsonRpcErrorSchema]);

export type JsonRpcRequest = z.infer<typeof jsonRpcRequestSchema>;
export type JsonRpcNotification = z.infer<typeof jsonRpcNotificationSchema>;
export type JsonRpcResult = z.infer<typeof jsonRpcResultSchema>;
export type JsonRpcError = z.infer<typeof jsonRpcErrorSchema>;
export type JsonRpcMessage = z.infer<typeof jsonRpcMessageSchema>;
