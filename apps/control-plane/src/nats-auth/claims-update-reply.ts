import { z } from 'zod';

/** `$SYS.REQ.CLAIMS.UPDATE` subject: the full resolver answers it (the MEMORY resolver does not). */
export const CLAIMS_UPDATE_SUBJECT = '$SYS.REQ.CLAIMS.UPDATE';

// nats-server answers { data: { account, code, message } } or { error: { account, code, description } }.
const replySchema = z.object({
  data: z.object({ account: z.string().optional(), code: z.number(), message: z.string() }).optional(),
  error: z.object({ account: z.string().optional(), code: z.number().optional(), description: z.string() }).optional(),
});

/** Throws unless the server said it stored the account JWT. */
export function checkClaimsUpdateReply(text: string): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`nats-server sent an unreadable claims-update reply: ${text.slice(0, 200)}`);
  }
  const reply = replySchema.safeParse(json);
  if (!reply.success) throw new Error(`nats-server sent an unexpected claims-update reply: ${text.slice(0, 200)}`);
  const { data, error } = reply.data;
  if (error) throw new Error(`nats-server refused the account JWT: ${error.description}${error.code ? ` (${error.code})` : ''}`);
  // "jwt update skipped" (200) means the server does not know the account: nothing was applied.
  if (!data || data.code !== 200 || data.message !== 'jwt updated') {
    throw new Error(`nats-server did not apply the account JWT: ${data ? `${data.message} (${data.code})` : 'empty reply'}`);
  }
}
