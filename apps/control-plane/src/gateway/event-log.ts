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
/** How long the logs of an ended session, or of a finished request stream, stay readable. */
const ENDED_LOG_GRACE_MS = 60_000;

const streamKey = (sessionId: string, streamId: string) => `sy:gw:ev:${sessionId}:${streamId}`;

type Entry = [id: string, fields: string[]];

/**
 * An entry's fields: `m <json>` an event, `end 1` the end marker, `m <json> end 1` both (the last
 * event). Events up to `after` are skipped, their end marker is not: a read "after seq n" reads
 * from entry n itself, whose end marker is news to a reader that has seen its event.
 */
function parseEntries(entries: Entry[], after: number): { events: LoggedEvent[]; ended: boolean } {
  const events: LoggedEvent[] = [];
  let ended = false;
  for (const [id, fields] of entries) {
    const seq = Number(id.slice(2));
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'end') ended = true;
      else if (fields[i] === 'm' && seq > after) events.push({ seq, message: JSON.parse(fields[i + 1] as string) as JsonRpcMessage });
    }
  }
  return { events, ended };
}

const lastId = (entries: Entry[]): number => (entries.length === 0 ? 0 : Number((entries[entries.length - 1] as Entry)[0].slice(2)));

/** Appends of one stream waiting for the end of the tick. */
interface PendingAppends {
  key: string;
  entries: Array<{ seq: number; fields: string[] }>;
  ended: boolean;
  context: { sessionId: string; streamId: string };
}

/**
 * The per-stream event log (a Redis stream per client SSE stream) behind `Last-Event-ID`
 * resumption: every event a client stream carries is appended with the stream's own sequence
 * number as its entry id (`0-<seq>`), so a resume reads "everything after seq n" with one XRANGE,
 * on any replica.
 *
 * Appends are not awaited, and are sent once the current turn's microtasks have run: a request's
 * answer and its stream's end marker, made together, become one entry, and one expiry per stream;
 * the connection's auto-pipelining then sends them with everything else of the tick in one write.
 * Order still holds: a read here first sends what is pending, and commands on one Redis connection
 * run in the order they are sent, so a resume always sees every append made before it, while the
 * event itself goes to the client without waiting for Redis. A finished stream's log lives
 * ENDED_LOG_GRACE_MS more (long enough for a client to resume it), a live one as long as the session.
 */
@Injectable()
export class EventLog implements OnApplicationShutdown {
  private readonly ttlMs: number;
  private readonly idleReaders: Redis[] = [];
  private pending = new Map<string, PendingAppends>();
  private flushScheduled = false;

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
    let stream = this.pending.get(key);
    if (stream === undefined) {
      stream = { key, entries: [], ended: false, context: { sessionId, streamId } };
      this.pending.set(key, stream);
    }
    const last = stream.entries[stream.entries.length - 1];
    if (message === null) {
      stream.ended = true;
      // The end marker right after the last event rides in that event's entry.
      if (last !== undefined && last.seq === seq - 1) last.fields.push('end', '1');
      else stream.entries.push({ seq, fields: ['end', '1'] });
    } else {
      stream.entries.push({ seq, fields: ['m', JSON.stringify(message)] });
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // A microtask, not nextTick: the commands then join the auto-pipeline of what the rest of
      // this turn sends (the router's counters after an answer), which ioredis sends on nextTick.
      queueMicrotask(() => this.flush());
    }
  }

  /** Sends the pending appends (at the end of the tick, or before a read). */
  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.size === 0) return;
    const streams = this.pending;
    this.pending = new Map();
    for (const { key, entries, ended, context } of streams.values()) {
      const failed = (error: Error) => this.logger.warn({ ...context, err: error.message }, 'could not log a stream event for resumption');
      for (const { seq, fields } of entries) this.redis.xadd(key, 'MAXLEN', '~', MAX_EVENTS_PER_STREAM, `0-${seq}`, ...fields).catch(failed);
      this.redis.pexpire(key, ended ? Math.min(ENDED_LOG_GRACE_MS, this.ttlMs) : this.ttlMs).catch(failed);
    }
  }

  /** Every logged event of the stream after `seq`, in order, and whether the stream has ended. */
  async readAfter(sessionId: string, streamId: string, seq: number): Promise<{ events: LoggedEvent[]; ended: boolean }> {
    this.flush();
    return parseEntries(await this.redis.xrange(streamKey(sessionId, streamId), `0-${Math.max(0, seq)}`, '+'), seq);
  }

  /**
   * Follows a stream from after `seq` until its end marker, for a connection served by a replica
   * that does not hold the session. Blocking reads need a connection of their own. Stops when
   * `signal` aborts (the client went away) or the log disappears (the session ended).
   */
  async *follow(sessionId: string, streamId: string, seq: number, signal: AbortSignal): AsyncGenerator<LoggedEvent> {
    const key = streamKey(sessionId, streamId);
    this.flush();
    const reader = this.idleReaders.pop() ?? this.newReader();
    // A read blocked on the server cannot be taken back: an abort costs the connection.
    let reusable = true;
    const stop = () => {
      reusable = false;
      reader.disconnect();
    };
    signal.addEventListener('abort', stop, { once: true });
    let after = seq;
    // The first read includes entry `seq` itself (its end marker, see parseEntries); later ones start after what was read.
    let readFrom = Math.max(0, seq - 1);
    try {
      while (!signal.aborted) {
        const answer = await reader.xread('BLOCK', FOLLOW_BLOCK_MS, 'STREAMS', key, `0-${readFrom}`);
        if (answer === null) {
          if ((await reader.exists(key)) === 0) return;
          continue;
        }
        const { events, ended } = parseEntries(answer[0]?.[1] ?? [], after);
        for (const event of events) {
          after = event.seq;
          yield event;
        }
        if (ended) return;
        after = Math.max(after, lastId(answer[0]?.[1] ?? []));
        readFrom = after;
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
    this.flush();
    for (const reader of this.idleReaders.splice(0)) reader.disconnect();
  }

  private newReader(): Redis {
    const reader = this.redis.duplicate({ connectionName: 'switchyard-gateway-follow', maxRetriesPerRequest: 1 });
    reader.on('error', () => undefined); // surfaced by the read that fails
    return reader;
  }

  async exists(sessionId: string, streamId: string): Promise<boolean> {
    this.flush();
    return (await this.redis.exists(streamKey(sessionId, streamId))) === 1;
  }

  /**
   * The session ended: its logs go after a grace period, not at once, so that a replica still
   * following one of its streams reads the last events and the end marker.
   */
  async drop(sessionId: string, streamIds: readonly string[]): Promise<void> {
    this.flush();
    if (streamIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const streamId of streamIds) pipeline.pexpire(streamKey(sessionId, streamId), ENDED_LOG_GRACE_MS);
    await pipeline.exec();
  }
}
