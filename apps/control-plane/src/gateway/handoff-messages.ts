import { jsonRpcMessageSchema } from '@switchyard/protocol';
import { z } from 'zod';

/**
 * What replicas tell each other over `sy.gw.sess.<sessionId>` (docs/gateway.md, "Serving a session
 * from another replica"): the replica that received a client's HTTP request asks the replica holding
 * the session to carry it out. Both ends are control planes of one installation, on the control
 * plane's own NATS account; the caller has already authenticated the key and sends its principal.
 */
export const HANDOFF_VERSION = 1;

const principalSchema = z.object({
  keyId: z.string(),
  name: z.string(),
  role: z.string(),
  scopes: z.array(z.string()),
  allowedServers: z.array(z.string()),
  allowedTools: z.array(z.string()),
});

export const handoffRequestSchema = z.discriminatedUnion('op', [
  /** `traceparent`: the client's HTTP traceparent header, for the holder's span of the request. */
  z.object({ v: z.literal(HANDOFF_VERSION), op: z.literal('post'), serverName: z.string(), principal: principalSchema, sse: z.boolean(), message: jsonRpcMessageSchema, traceparent: z.string().optional() }),
  /** `resume` set: a Last-Event-ID; absent: the session's GET stream from now on. */
  z.object({ v: z.literal(HANDOFF_VERSION), op: z.literal('get'), serverName: z.string(), principal: principalSchema, resume: z.object({ streamId: z.string(), seq: z.number().int().min(0) }).optional() }),
  z.object({ v: z.literal(HANDOFF_VERSION), op: z.literal('delete'), serverName: z.string(), principal: principalSchema }),
]);

export const handoffReplySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('json'), status: z.number().int(), body: jsonRpcMessageSchema, headers: z.record(z.string(), z.string()).optional() }),
  z.object({ kind: z.literal('empty'), status: z.number().int() }),
  /** Read stream `streamId` of the session's log after `afterSeq`; `sse` false: wait there for the one answer. */
  z.object({ kind: z.literal('stream'), streamId: z.string(), afterSeq: z.number().int().min(0), prime: z.boolean(), sse: z.boolean() }),
]);

export type HandoffRequest = z.infer<typeof handoffRequestSchema>;
export type HandoffReply = z.infer<typeof handoffReplySchema>;
