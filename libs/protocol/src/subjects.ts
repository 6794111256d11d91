import { DomainError, ErrorCode } from './errors.js';

/**
 * The NATS subject map of docs/protocol.md, built here and nowhere else. Ids are interpolated into
 * subjects, so they must be single tokens: a `.` would add a level, `*` or `>` would turn a
 * publish into a wildcard, and whitespace breaks the wire protocol. Runner and session ids are
 * UUIDs, which fit.
 */
export const SUBJECT_TOKEN_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

export function isSubjectToken(value: unknown): value is string {
  return typeof value === 'string' && SUBJECT_TOKEN_PATTERN.test(value);
}

/** Returns `value` when it is a subject-safe token; otherwise throws PROTOCOL_ERROR. */
export function assertSubjectToken(what: string, value: string): string {
  if (isSubjectToken(value)) return value;
  const shown = JSON.stringify(String(value).slice(0, 80));
  throw new DomainError(ErrorCode.PROTOCOL_ERROR, `${what} ${shown} is not a subject-safe token ([A-Za-z0-9-]{1,64})`, {
    fields: [{ path: what, message: 'must be 1-64 letters, digits or dashes' }],
  });
}

const runner = (runnerId: string): string => assertSubjectToken('runnerId', runnerId);

export const subjects = {
  /** Control plane → runner (request): one call or session message for an upstream server. */
  runCall: (runnerId: string): string => `sy.run.${runner(runnerId)}.call`,
  /** Control plane → runner: assignment, secrets, cancel, drain. */
  runCtl: (runnerId: string): string => `sy.run.${runner(runnerId)}.ctl`,
  /** Runner → control plane: heartbeat. */
  cpHeartbeat: (runnerId: string): string => `sy.cp.${runner(runnerId)}.hb`,
  /** Runner → control plane: upstream → client messages of a session (progress, logs, results…). */
  cpMessages: (runnerId: string): string => `sy.cp.${runner(runnerId)}.msg`,
  /** Runner → control plane (request, reply to the runner's inbox): renew the user JWT. */
  cpRenew: (runnerId: string): string => `sy.cp.${runner(runnerId)}.renew`,
  /** Control plane only: hand a session's message to the replica holding the client's stream. */
  gatewaySession: (sessionId: string): string => `sy.gw.sess.${assertSubjectToken('sessionId', sessionId)}`,
  /** Control plane only, every replica subscribes (no queue group): an API key was updated, revoked or deleted. */
  apiKeysChanged: (): string => 'sy.gw.keys.changed',
  /** The runner's `inboxPrefix` at connect: replies to its requests land under it, and only there. */
  runnerInboxPrefix: (runnerId: string): string => `_INBOX.${runner(runnerId)}`,
  /** Control plane subscription (a queue group is fine: `seq` orders heartbeats): every runner's heartbeats. */
  allHeartbeats: (): string => 'sy.cp.*.hb',
  /**
   * Control plane subscription: every runner's upstream messages. Not a plain queue group: it would
   * spread one runner's consecutive messages over replicas, breaking a session's order and the
   * reassembly of chunked messages (docs/protocol.md, "Receiving").
   */
  allMessages: (): string => 'sy.cp.*.msg',
  /** Control plane subscription (queue group: each request stands alone): every runner's renewal requests. */
  allRenewals: (): string => 'sy.cp.*.renew',
} as const;

export type RunnerSubjectKind = 'hb' | 'msg' | 'renew';

export interface RunnerSubject {
  runnerId: string;
  kind: RunnerSubjectKind;
}

const RUNNER_SUBJECT_KINDS: readonly string[] = ['hb', 'msg', 'renew'] satisfies RunnerSubjectKind[];

/**
 * The sending runner of a message received on `sy.cp.<runnerId>.<kind>`. The server only lets a
 * runner publish under its own `sy.cp.<id>.>`, so the subject, not the body, says who sent it.
 * Anything else (other shapes, unknown kinds, unsafe ids) is undefined.
 */
export function parseRunnerSubject(subject: string): RunnerSubject | undefined {
  const tokens = subject.split('.');
  if (tokens.length !== 4 || tokens[0] !== 'sy' || tokens[1] !== 'cp') return undefined;
  const [, , runnerId, kind] = tokens;
  if (!isSubjectToken(runnerId) || kind === undefined || !RUNNER_SUBJECT_KINDS.includes(kind)) return undefined;
  return { runnerId, kind: kind as RunnerSubjectKind };
}

/** The `permissions` claim of a runner's user JWT (the shape @nats-io/jwt's encodeUser takes). */
export interface RunnerPermissions {
  pub: { allow: string[] };
  sub: { allow: string[] };
  resp: { max: number; ttl: number };
}

/**
 * Least privilege, as verified in NATS-AUTH.md: a runner hears only its own subjects and inbox and
 * publishes only under its own `sy.cp.<id>.>`. `resp` lets it answer each request it received once;
 * it does not open `_INBOX.>`, which is why streams back go to `sy.cp.<id>.msg`.
 */
export function runnerPermissions(runnerId: string): RunnerPermissions {
  const id = runner(runnerId);
  return {
    pub: { allow: [`sy.cp.${id}.>`] },
    sub: { allow: [`sy.run.${id}.>`, `${subjects.runnerInboxPrefix(id)}.>`] },
    resp: { max: 1, ttl: 0 },
  };
}

/**
 * NATS subject matching: `*` matches exactly one token, `>` (last token only) one or more. A
 * subject with an empty token is not a valid subject and matches nothing.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const wanted = pattern.split('.');
  const actual = subject.split('.');
  if (actual.some((token) => token === '')) return false;
  for (let i = 0; i < wanted.length; i++) {
    const token = wanted[i];
    if (token === '>') return i === wanted.length - 1 && actual.length > i;
    if (i >= actual.length) return false;
    if (token !== '*' && token !== actual[i]) return false;
  }
  return wanted.length === actual.length;
}
