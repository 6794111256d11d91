import { z } from 'zod';
import { SUBJECT_TOKEN_PATTERN } from '../subjects.js';
import { isSupportedVersion, unsupportedVersionMessage } from '../version.js';

/** `v`, first field of every message. decode() checks it before the rest of the schema. */
export const protocolVersionField = z.int().refine((v) => isSupportedVersion(v), {
  error: (issue) => unsupportedVersionMessage(issue.input),
});

/** Ids that end up in subjects (runner, session, call) or sit beside them; UUIDs in practice. */
export const idField = z.string().regex(SUBJECT_TOKEN_PATTERN, 'must be 1-64 letters, digits or dashes');

/** Wall-clock instants as ISO 8601 UTC strings (`Date.prototype.toISOString()`), readable in logs. */
export const instantField = z.iso.datetime();

export const countField = z.int().nonnegative();

/** Semver or any build label of switchyard-runner itself (not the protocol version). */
export const softwareVersionField = z.string().min(1).max(64);

/** Same rule as McpServer.name: it is also the `<server>__` tool prefix on /mcp. */
export const serverNameField = z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be 1-32 lowercase letters, digits or dashes');

/** A POSIX-portable environment variable name. */
export const envNameField = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name');

/** A short human-readable reason, for logs and the audit trail. */
export const reasonField = z.string().min(1).max(1024);

/** An error a runner reports: a code from a closed list (adding one is a version bump) and a safe message. */
export function errorDetailsField<const C extends readonly [string, ...string[]]>(codes: C) {
  return z.object({ code: z.enum(codes), message: z.string().min(1).max(2048) });
}

/** A compact JWS (header.payload.signature); NATS verifies the signature, this only checks the form. */
export const jwtField = z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a JWT');
