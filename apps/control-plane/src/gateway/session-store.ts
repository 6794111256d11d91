import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { REDIS } from '../connections/connections.module.js';
import { LOGGER } from '../logging/logging.module.js';
import type { SessionRecord } from './session-record.js';

const sessionKey = (sessionId: string) => `sy:gw:sess:${sessionId}`;
const pendingKey = (sessionId: string) => `sy:gw:sess:${sessionId}:pending`;

/**
 * Session records and the server → client requests a session waits on, in Redis, so that any
 * replica can tell a live session from an unknown one and find who holds it. Records expire after
 * SWITCHYARD_MCP_SESSION_IDLE_SECONDS without a request.
 */
@Injectable()
export class SessionStore {
  private readonly ttlMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.ttlMs = config.mcp.sessionIdleSeconds * 1000;
  }

  async save(record: SessionRecord): Promise<void> {
    await this.redis.set(sessionKey(record.sessionId), JSON.stringify(record), 'PX', this.ttlMs);
  }

  async find(sessionId: string): Promise<SessionRecord | undefined> {
    const value = await this.redis.get(sessionKey(sessionId));
    return value === null ? undefined : (JSON.parse(value) as SessionRecord);
  }

  /** Another request of the session: its record lives on. Not awaited on the hot path. */
  touch(sessionId: string): void {
    this.redis
      .multi()
      .pexpire(sessionKey(sessionId), this.ttlMs)
      .pexpire(pendingKey(sessionId), this.ttlMs)
      .exec()
      .catch((error: Error) => this.logger.warn({ sessionId, err: error.message }, 'could not extend a gateway session record'));
  }

  async remove(sessionId: string): Promise<void> {
    await this.redis.del(sessionKey(sessionId), pendingKey(sessionId));
  }

  /** A server → client request (sampling, elicitation, roots) sent on `streamId`, awaiting the client's answer. */
  serverRequestSent(sessionId: string, requestId: string | number, streamId: string): void {
    this.redis
      .multi()
      .hset(pendingKey(sessionId), JSON.stringify(requestId), streamId)
      .pexpire(pendingKey(sessionId), this.ttlMs)
      .exec()
      .catch((error: Error) => this.logger.warn({ sessionId, err: error.message }, 'could not record a pending server request'));
  }

  serverRequestAnswered(sessionId: string, requestId: string | number): void {
    this.redis.hdel(pendingKey(sessionId), JSON.stringify(requestId)).catch((error: Error) => this.logger.warn({ sessionId, err: error.message }, 'could not clear a pending server request'));
  }

  /** Server → client requests still waiting for the client, by JSON-RPC id (as JSON), with their stream. */
  async pendingServerRequests(sessionId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(pendingKey(sessionId));
  }
}
