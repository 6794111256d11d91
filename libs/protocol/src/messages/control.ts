import { z } from 'zod';
import { countField, envNameField, idField, protocolVersionField, reasonField, serverNameField } from './fields.js';

/**
 * How the runner starts one server version. STDIO: a process with a clean environment holding only
 * `env` plus the variables named in `secretEnv`, whose values arrive separately in a `secrets`
 * message (never in an assignment, which is logged). STREAMABLE_HTTP: an MCP server already
 * listening at a URL local to the runner.
 */
export const launchSpecSchema = z.discriminatedUnion('transport', [
  z
    .object({
      transport: z.literal('STDIO'),
      command: z.string().min(1),
      args: z.array(z.string()),
      env: z.record(envNameField, z.string()),
      secretEnv: z.array(envNameField),
    })
    // Same rule as the admin API: a variable comes from env or from a secret, never both.
    .refine((spec) => !spec.secretEnv.some((name) => Object.hasOwn(spec.env, name)), {
      path: ['secretEnv'],
      error: 'names a variable that env also sets',
    }),
  z.object({
    transport: z.literal('STREAMABLE_HTTP'),
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  }),
]);

export const placementSchema = z.object({
  deploymentId: idField,
  versionId: idField,
  serverName: serverNameField,
  launch: launchSpecSchema,
  /** SRI hash pinned in the version; the runner refuses to start an artifact that does not match. */
  artifactIntegrity: z
    .string()
    .regex(/^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$/, 'must be an SRI hash (sha256-, sha384- or sha512-<base64>)')
    .optional(),
  /** Operator-declared: one upstream connection may serve many client sessions. */
  stateless: z.boolean(),
});

/**
 * Assignment — control plane → runner: the FULL desired set of placements, not a delta. The runner
 * starts what is new, stops what is missing and leaves the rest running, so a lost or repeated
 * message cannot leave it out of step. `seq` increases per runner; an older one is ignored.
 */
export const assignmentMessageSchema = z.object({
  v: protocolVersionField,
  type: z.literal('assignment'),
  seq: countField,
  placements: z
    .array(placementSchema)
    .refine((list) => new Set(list.map((p) => p.deploymentId)).size === list.length, 'lists a deployment twice'),
});

/**
 * Secrets — control plane → runner, before (re)starting a version whose launch spec has secretEnv:
 * the values by variable name. Held in memory only; never written to disk or logged.
 */
export const secretsMessageSchema = z.object({
  v: protocolVersionField,
  type: z.literal('secrets'),
  versionId: idField,
  values: z.record(envNameField, z.string()),
});

/** Cancel — control plane → runner: the client cancelled, or the call's deadline passed. */
export const cancelMessageSchema = z.object({
  v: protocolVersionField,
  type: z.literal('cancel'),
  callId: idField,
  sessionId: idField,
  reason: reasonField,
});

/**
 * Close session — control plane → runner: the client's session is over (it ended it, or the
 * control plane gave up on it). The runner releases the session's upstream connection: a stdio
 * server serves one session at a time, so without this the process would stay claimed by a
 * session nobody uses. Nothing is published back; an unknown session is ignored.
 */
export const closeSessionMessageSchema = z.object({
  v: protocolVersionField,
  type: z.literal('close-session'),
  sessionId: idField,
  reason: reasonField,
});

/** Drain — control plane → runner: take no new calls, finish in-flight ones within graceMs. */
export const drainMessageSchema = z.object({
  v: protocolVersionField,
  type: z.literal('drain'),
  graceMs: countField,
});

/** Everything on `sy.run.<runnerId>.ctl`, one union so the runner needs one subscription and one decode. */
export const controlMessageSchema = z
  .discriminatedUnion('type', [assignmentMessageSchema, secretsMessageSchema, cancelMessageSchema, closeSessionMessageSchema, drainMessageSchema])
  .describe('control message');

export type LaunchSpec = z.infer<typeof launchSpecSchema>;
export type Placement = z.infer<typeof placementSchema>;
export type AssignmentMessage = z.infer<typeof assignmentMessageSchema>;
export type SecretsMessage = z.infer<typeof secretsMessageSchema>;
export type CancelMessage = z.infer<typeof cancelMessageSchema>;
export type CloseSessionMessage = z.infer<typeof closeSessionMessageSchema>;
export type DrainMessage = z.infer<typeof drainMessageSchema>;
export type ControlMessage = z.infer<typeof controlMessageSchema>;
