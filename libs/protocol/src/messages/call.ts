import { z } from 'zod';
import { errorDetailsField, idField, instantField, protocolVersionField } from './fields.js';
import { jsonRpcMessageSchema } from './json-rpc.js';

/** W3C trace context `traceparent` (version-traceid-parentid-flags), so runner spans join the call's trace. */
export const traceparentField = z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent');

/**
 * Call — control plane → runner, a NATS request on `sy.run.<runnerId>.call`, once per client →
 * upstream JSON-RPC message of a session: a request (tools/call, resources/read…), a notification
 * (cancelled, initialized…) or the client's answer to a server → client request. Everything the
 * upstream sends back, the result included, comes on `sy.cp.<runnerId>.msg`; the NATS reply is only
 * the runner's acknowledgement, so a call may run for minutes without a request timeout.
 */
export const callMessageSchema = z
  .object({
    v: protocolVersionField,
    /** The audit row's id for a tool call; a fresh id for any other message. */
    callId: idField,
    sessionId: idField,
    deploymentId: idField,
    versionId: idField,
    message: jsonRpcMessageSchema,
    traceparent: traceparentField.optional(),
    /** After this instant the control plane has given up on the call; the runner may cancel it upstream. */
    deadline: instantField.optional(),
  })
  .describe('call');

/**
 * The same envelope for a sender whose `message` is valid already — the gateway parses every client
 * message with the MCP SDK's schemas before it relays it: encoding with this checks the envelope
 * without walking the JSON-RPC message a second time (about a twentieth of the gateway's CPU per
 * call). The runner decodes with callMessageSchema, message and all.
 */
export const callEnvelopeSchema = callMessageSchema.extend({ message: z.custom<z.infer<typeof jsonRpcMessageSchema>>() }).describe('call');

/**
 * Call acknowledgement — runner → control plane, the one reply to a call request: the message was
 * written to the upstream, or why not. Rejections are the runner's own state, not upstream errors
 * (those come back as JSON-RPC errors on `sy.cp.<runnerId>.msg`).
 */
export const callAckSchema = z
  .discriminatedUnion('status', [
    z.object({ v: protocolVersionField, callId: idField, status: z.literal('accepted') }),
    z.object({
      v: protocolVersionField,
      callId: idField,
      status: z.literal('rejected'),
      error: errorDetailsField(['NOT_PLACED', 'NOT_RUNNING', 'AT_CAPACITY', 'DRAINING', 'UNKNOWN_SESSION', 'UPSTREAM_WRITE_FAILED']),
    }),
  ])
  .describe('call acknowledgement');

export type CallMessage = z.infer<typeof callMessageSchema>;
export type CallAck = z.infer<typeof callAckSchema>;
