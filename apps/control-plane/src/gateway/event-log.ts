import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
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

/** A blocking read returns after this long without events, to notice a log that is gone. */
const FOLLOW_BLOCK_MS = 5_000;
/** Blocking-read connections kept for reuse: a follow per forwarded request would otherwise dial Redis each time. */
const MAX_IDLE_READERS = 16;
/** How long the logs of an ended session stay readable. */
const ENDED_LOG_GRACE_MS = 60_000;

const streamKey = (sessionId: string, streamId: string) => `sy:gw:ev:${sessionId}:${streamId}`;

type Entry = [id: string, fields: string[]];

function parseEntries(entries: Entry[]): { events: LoggedEvent[]; ended: boolean } {
  const events: LoggedEvent[] = [];
  let ended = false;
  for (const [id, fields] of entries) {
    if (fields[0] === 'end') ended = true;
    else events.push({ seq: Number(id.slice(2)), message: JSON.parse(fields[1] as string) as JsonRpcMessage });
  }
  return { events, ended };
}

const lastId = (entries: Entry[]): number => (entries.length === 0 ? 0 : Number((entries[entries.length - 1] as Entry)[0].slice(2)));

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
export class EventLog implements OnApplicationShutdown {
  private readonly ttlMs: number;
  private readonly idleReaders: Redis[] = [];

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.ttlMs = config.mcp.sessionIdleSeconds * 1000;
  }

  /** Appends an event, or (message null) the end marker: the stream carries nothing more. */
  append(sessionId: string, streamId: string, seq: number, message: JsonRpcMessage | null): void {
    const key = streamKey(sessionId, streamId);
    const fields = message === null ? ['end', '1'] : ['m', JSON.stringify(message)];
    this.redis
      .multi()
      .xadd(key, 'MAXLEN', '~', MAX_EVENTS_PER_STREAM, `0-${seq}`, ...fields)
      .pexpire(key, this.ttlMs)
      .exec()
      .catch((error: Error) => this.logger.warn({ sessionId, streamId, seq, err: error.message }, 'could not log a stream event for resumption'));
  }

  /** Every logged event of the stream after `seq`, in order, and whether the stream has ended. */
  async readAfter(sessionId: string, streamId: string, seq: number): Promise<{ events: LoggedEvent[]; ended: boolean }> {
    return parseEntries(await this.redis.xrange(streamKey(sessionId, streamId), `(0-${seq}`, '+'));
  }

  /**
   * Follows a stream from after `seq` until its end marker, for a connection served by a replica
   * that does not hold the session. Blocking reads need a connection of their own. Stops when
   * `signal` aborts (the client went away) or the log disappears (the session ended).
   */
  async *follow(sessionId: string, streamId: string, seq: number, signal: AbortSignal): AsyncGenerator<LoggedEvent> {
    const key = streamKey(sessionId, streamId);
    const reader = this.idleReaders.pop() ?? this.newReader();
    // A read blocked on the server cannot be taken back: an abort costs the connection.
    let reusable = true;
    const stop = () => {
      reusable = false;
      reader.disconnect();
    };
    signal.addEventListener('abort', stop, { once: true });
    let after = seq;
    try {
      while (!signal.aborted) {
        const answer = await reader.xread('BLOCK', FOLLOW_BLOCK_MS, 'STREAMS', key, `0-${after}`);
        if (answer === null) {
          if ((await reader.exists(key)) === 0) return;
          continue;
        }
        const { events, ended } = parseEntries(answer[0]?.[1] ?? []);
        for (const event of events) {
          after = event.seq;
          yield event;
        }
        if (ended) return;
        after = Math.max(after, lastId(answer[0]?.[1] ?? []));
      }
    } catch (error) {
      reusable = false;
      if (!signal.aborted) throw error;
    } finally {
      signal.removeEventListener('abort', stop);
      // Ended between reads (the end marker, a gone log): the connection is idle and can serve the next follow.
      if (reusable && reader.status === 'ready' && this.idleReaders.length < MAX_IDLE_READERS) this.idleReaders.push(reader);
      else reader.disconnect();
    }
  }

  /** Closes the idle follow connections (the shared connection is the connections module's). */
  onApplicationShutdown(): void {
    for (const reader of this.idleReaders.splice(0)) reader.disconnect();
  }

  private newReader(): Redis {
    const reader = this.redis.duplicate({ connectionName: 'switchyard-gateway-follow', maxRetriesPerRequest: 1 });
    reader.on('error', () => undefined); // surfaced by the read that fails
    return reader;
  }

  async exists(sessionId: string, streamId: string): Promise<boolean> {
    return (await this.redis.exists(streamKey(sessionId, streamId))) === 1;
  }

  /**
   * The session ended: its logs go after a grace period, not at once, so that a replica still
   * following one of its streams reads the last events and the end marker.
   */
  async drop(sessionId: string, streamIds: readonly string[]): Promise<void> {
    if (streamIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const streamId of streamIds) pipeline.pexpire(streamKey(sessionId, streamId), ENDED_LOG_GRACE_MS);
    await pipeline.exec();
  }
}
