import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../../config/config.js';
import { REDIS } from '../../connections/connections.module.js';
import { LOGGER } from '../../logging/logging.module.js';
import { RedisSessionRecords } from '../redis-session-records.js';
import type { AggregateRecord } from './aggregate-record.js';
import type { QualifiedName } from './gateway-names.js';

/**
 * Aggregated session records (`sy:gw:agg:<id>`), beside the `/mcp/<server>` records (SessionStore)
 * with the same lifetime, and the short tool and prompt names each session handed out
 * (`…:names`, short → `{server, name}` as JSON).
 */
@Injectable()
export class AggregateStore extends RedisSessionRecords<AggregateRecord> {
  constructor(@Inject(REDIS) redis: Redis, @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig, @Inject(LOGGER) logger: Logger) {
    super(redis, config, logger, { prefix: 'sy:gw:agg', side: 'names', what: 'an aggregated session record' });
  }

  /** A name the session handed out in short form, so that it maps back wherever the session is served from. */
  shortNameIssued(sessionId: string, short: string, qualified: QualifiedName): void {
    this.setSide(sessionId, short, JSON.stringify(qualified), 'could not store a short tool name');
  }

  async shortNames(sessionId: string): Promise<Array<[string, QualifiedName]>> {
    return Object.entries(await this.side(sessionId)).map(([short, value]) => [short, JSON.parse(value) as QualifiedName]);
  }
}
