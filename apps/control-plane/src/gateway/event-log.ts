import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { JsonRpcMessage } from '@switchyard/protocol';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { REDIS } from '../connections/connections.module.js';
import { LOGGER } from '../logging/logging.module.js';

export interface LoggedEvent {
  seq: number;
  message: JsonRpcMessage;
}

/** A stream's log is trimmed to about this many events (a GET stream may live for hours). */
const MAX_EVENTS_PER_STREAM = 10_000;

const streamKey = (sessionId: string, streamId: string) => `sy:gw:ev:${sessionId}:${streamId}`;

/**
 * The per-stream event log (a Redis stream per client SSE stream) behind `Last-Event-ID`
 * resumption: every event a client stream carries is appended with the stream's own sequence
 * number as its entry id (`0-<seq>`), so a resume reads "everything after seq n" with one XRANGE,
 * on any replica.
 *
 * Appends are not awaited: commands on one Redis connection run in the order they are sent, so a
 * later read (a resume) always sees every append made before it, while the event itself goes to
 * the client without waiting for Redis.
 */
@Injectable()
export class EventLog {
  private readonly ttlMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.ttlMs = config.mcp.sessionIdleSeconds * 1000;
  }

  append(sessionId: string, streamId: string, seq: number, message: JsonRpcMessage): void {
    const key = streamKey(sessionId, streamId);
    this.redis
      .multi()
      .xadd(key, 'MAXLEN', '~', MAX_EVENTS_PER_STREAM, `0-${seq}`, 'm', JSON.stringify(message))
      .pexpire(key, this.ttlMs)
      .exec()
      .catch((error: Error) => this.logger.warn({ sessionId, streamId, seq, err: error.message }, 'could not log a stream event for resumption'));
  }

  /** Every logged event of the stream after `seq`, in order. */
  async readAfter(sessionId: string, streamId: string, seq: number): Promise<LoggedEvent[]> {
    const entries = await this.redis.xrange(streamKey(sessionId, streamId), `(0-${seq}`, '+');
    return entries.map(([id, fields]) => ({ seq: Number(id.slice(2)), message: JSON.parse(fields[1] as string) as JsonRpcMessage }));
  }

  async exists(sessionId: string, streamId: string): Promise<boolean> {
    return (await this.redis.exists(streamKey(sessionId, streamId))) === 1;
  }

  async drop(sessionId: string, streamIds: readonly string[]): Promise<void> {
    if (streamIds.length > 0) await this.redis.del(...streamIds.map((streamId) => streamKey(sessionId, streamId)));
  }
}
