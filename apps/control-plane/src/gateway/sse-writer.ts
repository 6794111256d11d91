import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage } from '@switchyard/protocol';
import type { LoggedEvent } from './event-log.js';
import { eventId } from './http-checks.js';

/** A comment line now and then keeps proxies and idle timeouts from closing a quiet stream. */
const KEEP_ALIVE_MS = 25_000;
/**
 * How long the headers and the priming event wait for the first message. Most calls are answered
 * within it, and then the whole answer is one write and one read for the client; a longer call gets
 * its priming event after this long (the client can resume from then on).
 */
export const FIRST_WRITE_HOLD_MS = 10;

/**
 * One client connection carrying a stream as Server-Sent Events. Every event has an `id:`
 * (`<streamId>.<seq>`), so the client can resume from the last one it saw. Events are written at
 * most once and in seq order: while a resume replays the log (`hold` … `release`), live events wait
 * and anything already replayed is skipped.
 *
 * Writes are few, because a socket write is the largest single cost of a call on the gateway and
 * each one costs the client a read through its SSE parser: what is written in one tick goes out in
 * one write (the events wait in a buffer until the tick ends — not `res.cork()`: with chunked
 * encoding, `end()` on a corked response can send its last chunk before the data written before
 * it), and the headers and priming event wait up to FIRST_WRITE_HOLD_MS for the first message, so
 * a quick answer goes out with them and the end of the stream in one write.
 */
export class SseWriter {
  private lastSeq = -1;
  private held: LoggedEvent[] | undefined;
  private endAfterRelease = false;
  private closedByPeer = false;
  /** What was written and not sent yet. */
  private buffered = '';
  private flushScheduled = false;
  /** Something was sent (the headers went with it). */
  private sent = false;
  /** The first write's deadline, then the keep-alive comments. */
  private timer: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    private readonly streamId: string,
    headers: Record<string, string>,
    holdMs = FIRST_WRITE_HOLD_MS,
  ) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no', ...headers });
    this.timer = setTimeout(() => this.flush(), holdMs);
    res.once('close', () => {
      this.closedByPeer = true;
      clearTimeout(this.timer);
    });
  }

  /** The connection is gone (the client dropped it, or the stream ended). */
  get closed(): boolean {
    return this.closedByPeer || this.res.writableEnded;
  }

  onClose(listener: () => void): void {
    this.res.once('close', listener);
  }

  /**
   * The priming event of 2025-11-25 (an id and empty data): the client learns an event id before
   * any message, so it can resume a stream that drops before the first one.
   */
  prime(seq: number): void {
    this.lastSeq = Math.max(this.lastSeq, seq);
    this.raw(`id: ${eventId(this.streamId, seq)}\ndata: \n\n`, false);
  }

  send(seq: number, message: JsonRpcMessage): void {
    if (this.held !== undefined) {
      this.held.push({ seq, message });
      return;
    }
    if (seq <= this.lastSeq) return;
    this.lastSeq = seq;
    this.raw(`event: message\nid: ${eventId(this.streamId, seq)}\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /** Live events wait until `release` (a resume is reading the log). */
  hold(afterSeq: number): void {
    this.lastSeq = afterSeq;
    this.held = [];
  }

  /** Writes the replayed events, then whatever arrived live meanwhile, each once. */
  release(replayed: readonly LoggedEvent[]): void {
    const live = this.held ?? [];
    this.held = undefined;
    for (const event of [...replayed, ...live]) this.send(event.seq, event.message);
    if (this.endAfterRelease) this.end();
  }

  end(): void {
    if (this.held !== undefined) {
      this.endAfterRelease = true;
      return;
    }
    clearTimeout(this.timer);
    if (this.res.writableEnded) return;
    const rest = this.closed ? '' : this.buffered;
    this.buffered = '';
    this.sent = true;
    this.res.end(rest);
  }

  /** `now` false: the text may wait for the first message (the priming event). */
  private raw(text: string, now = true): void {
    if (this.closed) return;
    this.buffered += text;
    if (!now && !this.sent) return;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Sends what is buffered (the headers with it, or alone); after the first write, keep-alives follow. */
  private flush(): void {
    if (this.closed) return;
    const first = !this.sent;
    if (this.buffered !== '') {
      const text = this.buffered;
      this.buffered = '';
      this.sent = true;
      this.res.write(text);
    } else if (first) {
      this.sent = true;
      this.res.flushHeaders();
    }
    if (first) {
      clearTimeout(this.timer);
      this.timer = setInterval(() => this.raw(': keepalive\n\n'), KEEP_ALIVE_MS);
      this.timer.unref();
    }
  }
}
