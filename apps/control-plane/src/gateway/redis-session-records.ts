import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ControlPlaneConfig } from '../config/config.js';

/** Where a kind of session record lives in Redis, and what a log line calls it. */
export interface SessionRecordKeys {
  /** `<prefix>:<sessionId>` holds the record (JSON). */
  prefix: string;
  /** `<prefix>:<sessionId>:<side>` is a hash that lives and dies with the record. */
  side: string;
  /** For log lines: "could not extend <what>" (with its article). */
  what: string;
}

/** Sessions whose last touch is remembered; past this, the stale ones are forgotten. */
const MAX_TOUCH_ENTRIES = 10_000;

/**
 * Session records of the gateway in Redis, one JSON value per session plus one hash beside it, so
 * that any replica can tell a live session from an unknown one and find who holds it. Both expire
 * after SWITCHYARD_MCP_SESSION_IDLE_SECONDS without a request; each request touches them. The
 * `/mcp/<server>` sessions (SessionStore) and the aggregated ones (AggregateStore) are both this.
 */
export class RedisSessionRecords<TRecord extends { sessionId: string }> {
  private readonly ttlMs: number;
  /** A touch within this long after the last one of the session is skipped: the expiry moves by at most this much less. */
  private readonly touchEveryMs: number;
  private readonly touchedAt = new Map<string, number>();

  constructor(
    protected readonly redis: Redis,
    config: ControlPlaneConfig,
    protected readonly logger: Logger,
    private readonly keys: SessionRecordKeys,
  ) {
    this.ttlMs = config.mcp.sessionIdleSeconds * 1000;
    this.touchEveryMs = Math.min(5_000, this.ttlMs / 20);
  }

  async save(record: TRecord): Promise<void> {
    await this.redis.set(this.recordKey(record.sessionId), JSON.stringify(record), 'PX', this.ttlMs);
  }

  async find(sessionId: string): Promise<TRecord | undefined> {
    const value = await this.redis.get(this.recordKey(sessionId));
    return value === null ? undefined : (JSON.parse(value) as TRecord);
  }

  /**
   * Another request of the session: its record lives on. Not awaited on the hot path, and sent at
   * most once per `touchEveryMs` per session (a busy session would otherwise cost two Redis
   * commands per request for an expiry measured in minutes).
   */
  touch(sessionId: string, now = Date.now()): void {
    const last = this.touchedAt.get(sessionId);
    if (last !== undefined && now - last < this.touchEveryMs) return;
    if (this.touchedAt.size >= MAX_TOUCH_ENTRIES) this.forgetTouchesBefore(now - this.touchEveryMs);
    this.touchedAt.set(sessionId, now);
    const failed = (error: Error) => this.logger.warn({ sessionId, err: error.message }, `could not extend ${this.keys.what}`);
    this.redis.pexpire(this.recordKey(sessionId), this.ttlMs).catch(failed);
    this.redis.pexpire(this.sideKey(sessionId), this.ttlMs).catch(failed);
  }

  async remove(sessionId: string): Promise<void> {
    this.touchedAt.delete(sessionId);
    await this.redis.del(this.recordKey(sessionId), this.sideKey(sessionId));
  }

  private forgetTouchesBefore(cutoff: number): void {
    for (const [sessionId, at] of this.touchedAt) if (at < cutoff) this.touchedAt.delete(sessionId);
  }

  /** Sets a field of the side hash and renews its expiry; not awaited, a failure is logged as `failure`. */
  protected setSide(sessionId: string, field: string, value: string, failure: string): void {
    this.redis
      .multi()
      .hset(this.sideKey(sessionId), field, value)
      .pexpire(this.sideKey(sessionId), this.ttlMs)
      .exec()
      .catch((error: Error) => this.logger.warn({ sessionId, err: error.message }, failure));
  }

  protected deleteSide(sessionId: string, field: string, failure: string): void {
    this.redis.hdel(this.sideKey(sessionId), field).catch((error: Error) => this.logger.warn({ sessionId, err: error.message }, failure));
  }

  protected side(sessionId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.sideKey(sessionId));
  }

  private recordKey(sessionId: string): string {
    return `${this.keys.prefix}:${sessionId}`;
  }

  private sideKey(sessionId: string): string {
    return `${this.keys.prefix}:${sessionId}:${this.keys.side}`;
  }
}
