import { z } from 'zod';
import { isPublicKey, KEY_PREFIX, publicKeyOfSeed, type KeyKind } from './keys.js';

// Messages never quote the value: half of these fields are secrets.
const jwtText = z.string().regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, { message: 'expected a JWT (three base64url parts)' });
const publicKey = (kind: KeyKind) =>
  z.string().refine((value) => isPublicKey(value, kind), { message: `expected an ${kind} public key (${KEY_PREFIX[kind]}…)` });
const seed = (kind: KeyKind) =>
  z.string().refine((value) => publicKeyOfSeed(value, kind) !== undefined, { message: `expected an ${kind} seed (S${KEY_PREFIX[kind]}…)` });
const creds = z.string().includes('-----BEGIN NATS USER JWT-----', { message: 'expected the text of a .creds file' });

/**
 * The NATS auth bundle (`nats-auth.json`): what the control plane needs to run NATS in operator
 * mode. Secrets: the two signing seeds and the seeds inside both creds. The operator's root seed is
 * deliberately not part of it.
 */
export const natsAuthBundleSchema = z.object({
  version: z.literal(1, { message: 'expected 1 (the only bundle version)' }),
  createdAt: z.iso.datetime({ message: 'expected an ISO timestamp' }),
  operator: z.object({
    name: z.string().min(1),
    jwt: jwtText,
    /** Signs account JWTs (every revocation re-signs the APP account). */
    signingSeed: seed('operator'),
  }),
  systemAccount: z.object({ publicKey: publicKey('account'), jwt: jwtText }),
  appAccount: z.object({
    publicKey: publicKey('account'),
    /** The account as created; its current state (revocations) lives in Postgres. */
    jwt: jwtText,
    /** Signs user JWTs (runners, the control plane itself). */
    signingSeed: seed('account'),
  }),
  /** The control plane's own APP-account user. */
  controlPlaneUser: z.object({ creds }),
  /** A SYS-account user, for $SYS requests (claims updates) and events. */
  systemUser: z.object({ creds }),
});

export type NatsAuthBundle = z.infer<typeof natsAuthBundleSchema>;
