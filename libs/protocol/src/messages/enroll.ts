import { z } from 'zod';
import { isSubjectToken, subjects } from '../subjects.js';
import { countField, idField, instantField, jwtField, protocolVersionField, softwareVersionField } from './fields.js';

/** A NATS user public nkey: `U` and 55 base32 characters. The seed stays on the runner's host. */
export const userPublicKeyField = z.string().regex(/^U[A-Z2-7]{55}$/, 'must be a NATS user public key (U + 55 base32 characters)');

/**
 * Enroll request — `switchyard-runner enroll` → control plane, the body of one HTTPS POST, once per
 * host. The one-time token proves which nodepool the runner joins; the runner has just made its own
 * nkey pair and sends only the public key.
 */
export const enrollRequestSchema = z
  .object({
    v: protocolVersionField,
    token: z.string().min(1).max(512),
    publicKey: userPublicKeyField,
    /** Unique within the nodepool; defaults to the hostname on the CLI. */
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores'),
    hostname: z.string().min(1).max(253),
    softwareVersion: softwareVersionField,
    /** Concurrent calls this runner accepts. */
    capacity: countField,
    labels: z.record(z.string().min(1).max(63), z.string().max(255)),
  })
  .describe('enroll request');

/**
 * Enroll response — control plane → runner, the HTTPS reply. Everything the runner needs to connect:
 * its id, a short-lived user JWT for its own public key (permissions: runnerPermissions(runnerId)),
 * where NATS is, which CA to trust (absent: the system's), and the inbox prefix it must connect with.
 */
export const enrollResponseSchema = z
  .object({
    v: protocolVersionField,
    runnerId: idField,
    userJwt: jwtField,
    natsUrls: z.array(z.url({ protocol: /^(nats|tls|ws|wss)$/, error: 'must be a nats://, tls://, ws:// or wss:// URL' })).min(1),
    caPem: z.string().includes('-----BEGIN CERTIFICATE-----').optional(),
    jwtExpiresAt: instantField,
    inboxPrefix: z.string(),
  })
  // The JWT only allows _INBOX.<runnerId>.>: any other prefix would make every request fail.
  .refine((r) => !isSubjectToken(r.runnerId) || r.inboxPrefix === subjects.runnerInboxPrefix(r.runnerId), {
    path: ['inboxPrefix'],
    error: 'must be _INBOX.<runnerId>',
  })
  .describe('enroll response');

export type EnrollRequest = z.infer<typeof enrollRequestSchema>;
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;
