import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../../config/config.js';
import { REDIS } from '../../connections/connections.module.js';
import { LOGGER } from '../../logging/logging.module.js';
import type { AggregateRecord } from './aggregate-record.js';
import type { QualifiedName } from './gateway-names.js';

const recordKey = (sessionId: string) => `sy:gw:agg:${sessionId}`;
/** Short tool and prompt names handed out in the session → `{server, name}` (JSON). */
const namesKey = (sessionId: string) => `sy:gw:agg:${sessionId}:names`;

/**
 * Aggregated session records in Redis, beside the `/mcp/<server>` records (SessionStore), with the
 * same lifetime: SWITCHYARD_MCP_SESSION_IDLE_SECONDS without a request.
 */
@Injectable()
export class AggregateStore {
  private readonly ttlMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.ttlMs = config.mcp.sessionIdleSeconds * 1000;
  }

  async save(record: AggregateRecord): Promise<void> {
    await this.redis.set(recordKey(record.sessionId), JSON.stringify(record), 'PX', this.ttlMs);
  }

  async find(sessionId: string): Promise<AggregateRecord | undefined> {
    const value = await this.redis.get(recordKey(sessionId));
    return value === null ? undefined : (JSON.parse(value) as AggregateRecord);
  }

  /** Not awaited on the hot path. */
  touch(sessionId: string): void {
    this.redis
      .multi()
      .pexpire(recordKey(sessionId), this.ttlMs)
      .pexpire(namesKey(sessionId), this.ttlMs)
      .exec()
      .catch((error: Error) => this.logger.warn({ sessionId, err: error.message }, 'could not extend an aggregated session record'));
  }

  async remove(sessionId: string): Promise<void> {
    await this.redis.del(recordKey(sessionId), namesKey(sessionId));
  }

  /** A name the session handed out in short form, so that it maps back wherever the session is served from. */
  shortNameIssued(sessionId: string, short: string, qualified: QualifiedName): void {
    this.redis
      .multi()
      .hset(namesKey(sessionId), short, JSON.stringify(qualified))
      .pexpire(namesKey(sessionId), this.ttlMs)
      .exec()
      .catch((error: Error) => this.logger.warn({ sessionId, err: error.message }, 'could not store a short tool name'));
  }

  async shortNames(sessionId: string): Promise<Array<[string, QualifiedName]>> {
    return Object.entries(await this.redis.hgetall(namesKey(sessionId))).map(([short, value]) => [short, JSON.parse(value) as QualifiedName]);
  }
}
