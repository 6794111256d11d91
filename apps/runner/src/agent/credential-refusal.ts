import { isCredentialRefusal } from './connection-status.js';

/** How long NATS may refuse the credential on reconnect before the runner takes it as revoked. */
export const CREDENTIAL_REFUSAL_GRACE_MS = 5_000;

/**
 * When refusals of the runner's credential on reconnect mean "revoked or expired" rather than "a
 * nats-server that just restarted and is still loading its accounts": refused for `graceMs`
 * without a connection in between. nats.js would give up after two refusals in a row
 * (ignoreAuthErrorAbort turns that off); this decides instead. Time comes in as `now`.
 */
export class CredentialRefusalGrace {
  /** Since when NATS has refused the credential without a connection in between. */
  private refusedSince: number | undefined;
  private verdict: string | undefined;

  constructor(private readonly graceMs = CREDENTIAL_REFUSAL_GRACE_MS) {}

  /**
   * NATS refused the credential at `now`. True exactly once: when the refusals have lasted the
   * whole grace — the caller closes the connection and the runner stops (exit 3: enroll again).
   */
  refused(now: number, message: string): boolean {
    if (this.verdict !== undefined) return false;
    this.refusedSince ??= now;
    if (now - this.refusedSince < this.graceMs) return false;
    this.verdict = message;
    return true;
  }

  /** Connected again: the next refusal starts a new grace. */
  connected(): void {
    this.refusedSince = undefined;
  }

  /** The refusal that outlasted the grace, once it did. */
  get refusal(): string | undefined {
    return this.verdict;
  }
}

/**
 * Why the agent stops when its NATS connection closed for good (not by a shutdown): the refusal
 * that outlasted the grace, or a close whose error is itself a refusal (revoked, expired) —
 * enroll again — or anything else.
 */
export function exitOnClose(
  refusal: string | undefined,
  error: Error | undefined,
): { reason: 'credentials-refused'; message: string } | { reason: 'connection-closed'; message: string } {
  const message = refusal ?? error?.message ?? 'connection closed';
  return refusal !== undefined || (error !== undefined && isCredentialRefusal(error)) ? { reason: 'credentials-refused', message } : { reason: 'connection-closed', message };
}
