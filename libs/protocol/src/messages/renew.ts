import { z } from 'zod';
import { userPublicKeyField } from './enroll.js';
import { errorDetailsField, instantField, jwtField, protocolVersionField } from './fields.js';

/**
 * Renew request — runner → control plane, a NATS request on `sy.cp.<runnerId>.renew` some time
 * before its user JWT expires; the reply comes to the runner's inbox (`_INBOX.<runnerId>.…`). The
 * subject names the runner, and the control plane signs the new JWT for the public key it stored at
 * enrollment, so the body needs no identity.
 */
export const renewRequestSchema = z
  .object({
    v: protocolVersionField,
    /** Expiry of the JWT the runner holds now, for the control plane's logs. */
    currentJwtExpiresAt: instantField,
    /**
     * The public key the runner holds (optional, public anyway). The control plane signs only for
     * the key it stored, so a mismatch means this host's identity is not the enrolled one (a
     * restored or copied data directory): it refuses rather than mint a JWT nobody here can use.
     */
    publicKey: userPublicKeyField.optional(),
  })
  .describe('renew request');

/**
 * Renew response — control plane → runner: a fresh JWT, or a refusal (revoked, fenced as a cloned
 * identity) after which the runner stops and tells its operator.
 */
export const renewResponseSchema = z
  .discriminatedUnion('status', [
    z.object({ v: protocolVersionField, status: z.literal('renewed'), userJwt: jwtField, jwtExpiresAt: instantField }),
    z.object({ v: protocolVersionField, status: z.literal('refused'), error: errorDetailsField(['REVOKED', 'FENCED', 'UNKNOWN_RUNNER']) }),
  ])
  .describe('renew response');

export type RenewRequest = z.infer<typeof renewRequestSchema>;
export type RenewResponse = z.infer<typeof renewResponseSchema>;
