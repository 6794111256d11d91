import type { Permissions } from '@nats-io/jwt';

// TODO: switch to `runnerPermissions` from @switchyard/protocol once libs/protocol lands; this is
// the one place that knows the shape until then (NATS-AUTH.md, ARCHITECTURE.md subject map).
const RUNNER_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Exactly the runner's own subjects: it hears `sy.run.<id>.>` and replies to its own requests on
 * `_INBOX.<id>.>` (it connects with `inboxPrefix: "_INBOX.<id>"`), publishes only under
 * `sy.cp.<id>.>`, and may answer each request it received once (`resp`) without `_INBOX.>` at large.
 * Being an allow-list, it also denies `$SYS.>` (whose CONNZ would show every runner's key and IP).
 */
export function runnerPermissions(runnerId: string): Permissions {
  if (!RUNNER_ID.test(runnerId)) throw new Error(`runner id ${JSON.stringify(runnerId.slice(0, 80))} is not a subject-safe token`);
  return {
    sub: { allow: [`sy.run.${runnerId}.>`, `_INBOX.${runnerId}.>`] },
    pub: { allow: [`sy.cp.${runnerId}.>`] },
    resp: { max: 1, ttl: 0 },
  };
}

export function isRunnerId(value: string): boolean {
  return RUNNER_ID.test(value);
}
