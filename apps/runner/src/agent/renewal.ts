import { decode, encode, renewRequestSchema, renewResponseSchema, RUNNER_PROTOCOL_VERSION, subjects, type RenewResponse } from '@switchyard/protocol';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { JwtTimes } from '../credentials/creds.js';
import type { Clock, Rng } from '../supervisor/clock.js';

/** Renew at about 2/3 of the JWT's lifetime: a third of it is left for retries. */
export const RENEW_AT_FRACTION = 2 / 3;
/** ±5 % of the lifetime, so that runners enrolled together do not all ask in the same instant. */
export const RENEW_JITTER_FRACTION = 0.05;
const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 60_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** When to ask for a new JWT (ms since the epoch). A JWT without expiry is never renewed. */
export function renewalTime(times: JwtTimes, rng: Rng): number | null {
  if (times.expiresAt === null) return null;
  const issued = times.issuedAt.getTime();
  const lifetime = times.expiresAt.getTime() - issued;
  const fraction = RENEW_AT_FRACTION + (rng() * 2 - 1) * RENEW_JITTER_FRACTION;
  return issued + Math.max(0, lifetime) * fraction;
}

/** Waiting time before retry `attempt` (1, 2, …): doubling from 2 s to 60 s, never past the expiry. */
export function retryDelay(attempt: number, msUntilExpiry: number, rng: Rng): number {
  const base = Math.min(RETRY_MIN_MS * 2 ** (attempt - 1), RETRY_MAX_MS);
  const jittered = base * (0.5 + rng() / 2);
  return Math.max(100, Math.min(jittered, msUntilExpiry / 2));
}

export interface RenewalDeps {
  runnerId: string;
  publicKey: string;
  connection: () => NatsConnection | undefined;
  times: () => JwtTimes;
  /** Stores a renewed JWT (memory, then runner.creds). */
  accept: (jwt: string) => Promise<void>;
  /** The control plane refused: this runner's credential is finished. */
  refused: (response: Extract<RenewResponse, { status: 'refused' }>) => void;
  /** After a renewal: the connection still runs on the old JWT (expiring then) until it reconnects. */
  renewed: (previousExpiresAt: Date | null) => void;
  logger: Logger;
  clock: Clock;
  rng: Rng;
}

/**
 * Keeps the runner's JWT fresh over NATS (`sy.cp.<id>.renew`, the reply in the runner's own inbox).
 * Failures (no responder, timeout, the link down) are retried with backoff until the JWT expires;
 * a refusal (revoked, fenced, unknown) ends it.
 */
export class RenewalScheduler {
  private cancel: (() => void) | undefined;
  private attempt = 0;
  private stopped = false;

  constructor(private readonly deps: RenewalDeps) {}

  start(): void {
    this.stopped = false;
    this.scheduleFromJwt();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
  }

  private scheduleFromJwt(): void {
    const at = renewalTime(this.deps.times(), this.deps.rng);
    if (at === null) return;
    this.schedule(Math.max(0, at - this.deps.clock.now()));
  }

  private schedule(delayMs: number): void {
    this.cancel?.();
    if (this.stopped) return;
    this.cancel = this.deps.clock.schedule(delayMs, () => void this.renewOnce());
  }

  private async renewOnce(): Promise<void> {
    const { logger, runnerId } = this.deps;
    const times = this.deps.times();
    const expiresAt = times.expiresAt?.toISOString() ?? new Date(8.64e15).toISOString();
    try {
      const connection = this.deps.connection();
      if (!connection || connection.isClosed()) throw new Error('not connected to NATS');
      const request = encode(renewRequestSchema, { v: RUNNER_PROTOCOL_VERSION, currentJwtExpiresAt: expiresAt, publicKey: this.deps.publicKey });
      const reply = await connection.request(subjects.cpRenew(runnerId), request, { timeout: REQUEST_TIMEOUT_MS });
      const response = decode(renewResponseSchema, reply.data);
      if (this.stopped) return;
      if (response.status === 'refused') {
        logger.error({ code: response.error.code, reason: response.error.message }, 'the control plane refused to renew this runner\'s credentials');
        this.deps.refused(response);
        return;
      }
      try {
        await this.deps.accept(response.userJwt);
      } catch (error) {
        // The new JWT is in use; only the file lags. A restart before the next renewal would
        // start from the old JWT, which still works until its expiry.
        logger.error({ err: (error as Error).message }, 'renewed credentials could not be written to runner.creds');
      }
      logger.info({ previousExpiry: expiresAt, jwtExpiresAt: response.jwtExpiresAt }, 'NATS credentials renewed');
      this.attempt = 0;
      this.deps.renewed(times.expiresAt);
      this.scheduleFromJwt();
    } catch (error) {
      if (this.stopped) return;
      this.attempt += 1;
      const untilExpiry = (times.expiresAt?.getTime() ?? Number.MAX_SAFE_INTEGER) - this.deps.clock.now();
      const delay = retryDelay(this.attempt, untilExpiry, this.deps.rng);
      logger.warn({ err: (error as Error).message, attempt: this.attempt, retryInMs: Math.round(delay), jwtExpiresAt: expiresAt }, 'could not renew NATS credentials; retrying');
      if (untilExpiry > 0) this.schedule(delay);
    }
  }
}
