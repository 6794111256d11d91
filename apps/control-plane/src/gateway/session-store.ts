import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { REDIS } from '../connections/connections.module.js';
import { LOGGER } from '../logging/logging.module.js';
import { RedisSessionRecords } from './redis-session-records.js';
import type { SessionRecord } from './session-record.js';

/**
 * `/mcp/<server>` session records (`sy:gw:sess:<id>`) and, beside each, the server → client
 * requests the session waits on (`…:pending`).
 */
@Injectable()
export class SessionStore extends RedisSessionRecords<SessionRecord> {
  constructor(@Inject(REDIS) redis: Redis, @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig, @Inject(LOGGER) logger: Logger) {
    super(redis, config, logger, { prefix: 'sy:gw:sess', side: 'pending', what: 'a gateway session record' });
  }

  /** A server → client request (sampling, elicitation, roots) sent on `streamId`, awaiting the client's answer. */
  serverRequestSent(sessionId: string, requestId: string | number, streamId: string): void {
    this.setSide(sessionId, JSON.stringify(requestId), streamId, 'could not record a pending server request');
  }

  serverRequestAnswered(sessionId: string, requestId: string | number): void {
    this.deleteSide(sessionId, JSON.stringify(requestId), 'could not clear a pending server request');
  }

  /** Server → client requests still waiting for the client, by JSON-RPC id (as JSON), with their stream. */
  async pendingServerRequests(sessionId: string): Promise<Record<string, string>> {
    return this.side(sessionId);
  }
}
