import type { JsonRpcRequest } from '@switchyard/protocol';

/**
 * The request as written upstream, carrying the call's W3C trace context in `params._meta.traceparent`
 * (where MCP carries trace context, as the SDKs and the OpenTelemetry MCP conventions read it).
 *
 * The gateway's value replaces one the client put there: the gateway's span is a child of the
 * client's (same trace id), and the upstream's work belongs under the gateway's span, not beside
 * it. The rest of `_meta` (progressToken, tracestate, …) is kept. The input is not changed: the
 * same object is also the call's bookkeeping.
 */
export function withTraceparent(request: JsonRpcRequest, traceparent: string): JsonRpcRequest {
  const meta: unknown = request.params?._meta;
  // A `_meta` that is not an object is the client's error to see, from the server, unchanged.
  if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta))) return request;
  return { ...request, params: { ...request.params, _meta: { ...meta, traceparent } } };
}
