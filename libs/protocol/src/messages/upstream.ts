import { z } from 'zod';
import { countField, errorDetailsField, idField, protocolVersionField, reasonField } from './fields.js';
import { jsonRpcMessageSchema } from './json-rpc.js';

const envelope = {
  v: protocolVersionField,
  sessionId: idField,
  /** The call this message belongs to, when the runner knows it (a result, or progress of a call). */
  callId: idField.optional(),
  /** Per session, from 0, one up per message: the control plane restores order and drops repeats. */
  seq: countField,
};

/**
 * Upstream message — runner → control plane on `sy.cp.<runnerId>.msg`, for everything an upstream
 * sends towards the client: results, progress and log notifications, server → client requests
 * (sampling, elicitation, roots), resource updates. Not a reply inbox: a reply takes one message,
 * a call streams many. The control plane checks that `sessionId` belongs to the sending runner (the
 * subject names it) before relaying anything.
 *
 * - `message`: one JSON-RPC message from the upstream, as is.
 * - `closed`: the upstream ended the session (process exited, HTTP session gone); no more messages.
 * - `error`: the runner could not relay (upstream crashed mid-call, sent something that is not
 *   JSON-RPC…); with `callId`, that call has failed.
 */
export const upstreamMessageSchema = z
  .discriminatedUnion('kind', [
    z.object({ ...envelope, kind: z.literal('message'), message: jsonRpcMessageSchema }),
    z.object({ ...envelope, kind: z.literal('closed'), reason: reasonField.optional() }),
    z.object({
      ...envelope,
      kind: z.literal('error'),
      error: errorDetailsField(['UPSTREAM_EXITED', 'UPSTREAM_UNREACHABLE', 'INVALID_UPSTREAM_MESSAGE', 'CANCELLED', 'INTERNAL']),
    }),
  ])
  .describe('upstream message');

export type UpstreamMessage = z.infer<typeof upstreamMessageSchema>;
