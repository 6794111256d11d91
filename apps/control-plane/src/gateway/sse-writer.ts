import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage } from '@switchyard/protocol';
import type { LoggedEvent } from './event-log.js';
import { eventId } from './http-checks.js';

/** A comment line now and then keeps proxies and idle timeouts from closing a quiet stream. */
const KEEP_ALIVE_MS = 25_000;

/**
 * One client connection carrying a stream as Server-Sent Events. Every event has an `id:`
 * (`<streamId>.<seq>`), so the client can resume from the last one it saw. Events are written at
 * most once and in seq order: while a resume replays the log (`hold` … `release`), live events wait
 * and anything already replayed is skipped.
 *
 * What is written in one tick goes out in one write (events wait in a buffer until the tick ends):
 * the headers with the priming event, and an answer with the end of its stream. (Not
 * `res.cork()`: with chunked encoding, `end()` on a corked response can send its last chunk before
 * the data written before it.) A socket write
 * is the largest single cost of a call on the gateway, and each one also costs the client a read.
 */
export class SseWriter {
  private lastSeq = -1;
  private held: LoggedEvent[] | undefined;
  private endAfterRelease = false;
  private closedByPeer = false;
  /** What was written in this tick, sent when it ends (or with `end()`). */
  private buffered = '';
  private flushScheduled = false;
  /** Something was sent (the headers went with it). */
  private sent = false;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    private readonly streamId: string,
    headers: Record<string, string>,
  ) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no', ...headers });
    // The headers go out with the first event written in this tick, or alone when the tick ends.
    this.scheduleFlush();
    this.keepAlive = setInterval(() => this.raw(': keepalive\n\n'), KEEP_ALIVE_MS);
    this.keepAlive.unref();
    res.once('close', () => {
      this.closedByPeer = true;
      clearInterval(this.keepAlive);
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
    this.raw(`id: ${eventId(this.streamId, seq)}\ndata: \n\n`);
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
    clearInterval(this.keepAlive);
    if (this.res.writableEnded) return;
    const rest = this.closed ? '' : this.buffered;
    this.buffered = '';
    this.sent = true;
    this.res.end(rest);
  }

  private raw(text: string): void {
    if (this.closed) return;
    this.buffered += text;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      if (this.closed) return;
      if (this.buffered !== '') {
        const text = this.buffered;
        this.buffered = '';
        this.sent = true;
        this.res.write(text);
      } else if (!this.sent) {
        this.sent = true;
        this.res.flushHeaders();
      }
    });
  }
}
