import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@switchyard/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { REDIS } from '../connections/connections.module.js';
import { LOGGER } from '../logging/logging.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { TOKEN_BUCKET_LUA } from './token-bucket.lua.js';

/** A bucket's shape: `burst` calls at once, refilled at `perSecond`. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; remaining: number; retryAfterMs: number };

/** Redis keys of the buckets, by what they limit. */
export const BUCKET_PREFIX = 'sy:rl:';

type TakeTokens = (key: string, perSecond: number, burst: number, cost: number) => Promise<[number, string, number]>;

/** Logs a Redis failure at most this often (one line per outage, not one per call). */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Shared rate limits (token buckets in Redis) for the MCP gateway: per API key, the same budget
 * whichever replica a request reaches.
 *
 * When Redis cannot answer, calls are let through (fail open) and counted in
 * switchyard_rate_limit_errors_total: a rate limit protects capacity, and refusing every call
 * while Redis blips would be the outage it is meant to prevent. Authentication and scopes never
 * depend on Redis, so nothing is let through that the key may not do.
 */
@Injectable()
export class RateLimiter {
  private readonly take: TakeTokens;
  private readonly decisions: Counter<'outcome'>;
  private readonly errors: Counter;
  private lastErrorLogAt = 0;
  readonly defaultLimit: RateLimit;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig,
    metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    // defineCommand: EVALSHA with a fallback to EVAL when Redis does not know the script yet.
    redis.defineCommand('switchyardTakeTokens', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
    const command = (redis as unknown as Record<string, TakeTokens>)['switchyardTakeTokens']!;
    this.take = command.bind(redis);
    this.defaultLimit = config.mcp.rateLimit;
    const registers = [metrics.registry];
    this.decisions = new Counter({ name: 'switchyard_rate_limit_decisions_total', help: 'Rate-limit decisions by outcome (allowed, limited)', labelNames: ['outcome'] as const, registers });
    this.errors = new Counter({ name: 'switchyard_rate_limit_errors_total', help: 'Rate-limit checks that Redis could not answer (the call was let through)', registers });
  }

  /** Takes `cost` tokens from the API key's bucket; never throws for Redis trouble (see above). */
  async takeForKey(apiKeyId: string, limit: RateLimit = this.defaultLimit, cost = 1): Promise<RateDecision> {
    return this.takeFrom(`key:${apiKeyId}`, limit, cost);
  }

  /** Like takeForKey, but a refusal is a RATE_LIMITED DomainError carrying the retry hint. */
  async assertWithinLimit(apiKeyId: string, limit: RateLimit = this.defaultLimit, cost = 1): Promise<void> {
    const decision = await this.takeForKey(apiKeyId, limit, cost);
    if (!decision.allowed) {
      const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      throw new DomainError(ErrorCode.RATE_LIMITED, `rate limit of ${limit.perSecond}/s (burst ${limit.burst}) exceeded for this API key: retry in ${seconds} s`, {
        retryAfterMs: decision.retryAfterMs,
        retryAfterSeconds: seconds,
      });
    }
  }

  private async takeFrom(bucket: string, limit: RateLimit, cost: number): Promise<RateDecision> {
    if (!(cost > 0 && cost <= limit.burst)) throw new RangeError(`cost ${cost} must be above 0 and at most the burst ${limit.burst}`);
    try {
      const [allowed, tokens, retryAfterMs] = await this.take(`${BUCKET_PREFIX}${bucket}`, limit.perSecond, limit.burst, cost);
      const remaining = Math.floor(Number(tokens));
      this.decisions.inc({ outcome: allowed === 1 ? 'allowed' : 'limited' });
      return allowed === 1 ? { allowed: true, remaining } : { allowed: false, remaining, retryAfterMs };
    } catch (error) {
      this.errors.inc();
      const now = Date.now();
      if (now - this.lastErrorLogAt >= ERROR_LOG_INTERVAL_MS) {
        this.lastErrorLogAt = now;
        this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'rate limit check failed: letting calls through until Redis answers');
      }
      return { allowed: true, remaining: limit.burst };
    }
  }
}
