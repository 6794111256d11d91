import { assertChunkFrame, type ChunkFrame } from './chunking.js';
import { DomainError, ErrorCode } from './errors.js';

export interface ChunkAssemblerOptions {
  /** Bytes reserved by all open streams together (each reserves its declared totalBytes at its first frame). */
  maxTotalBytes?: number;
  /** Messages being reassembled at once. */
  maxStreams?: number;
  /** A stream with no frame for longer than this is evicted by evictStale(); also how long a closed id is remembered. */
  idleMs?: number;
  /** Closed ids remembered at most (oldest forgotten first), so memory stays bounded without evictStale(). */
  maxClosedIds?: number;
}

export const CHUNK_ASSEMBLER_DEFAULTS: Required<ChunkAssemblerOptions> = {
  maxTotalBytes: 64 * 1024 * 1024,
  maxStreams: 16,
  idleMs: 60_000,
  maxClosedIds: 4096,
};

interface OpenStream {
  count: number;
  totalBytes: number;
  parts: Map<number, Uint8Array>;
  receivedBytes: number;
  lastFrameAt: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Puts chunked messages back together. Frames may come in any order and more than once; each
 * message is returned exactly once, by the add() that supplies its last missing frame. Keep one
 * assembler per sender (the control plane: per runner id from the subject): ids are the sender's
 * choice, so a shared one would let a runner collide with, or write into, another runner's stream.
 *
 * A stream that breaks a rule (limits, frames disagreeing on count or size, a repeated index with
 * other data) is dropped and add() throws PROTOCOL_ERROR. Completed, dropped and evicted ids are
 * remembered for idleMs, and their late frames are ignored: a repeat cannot complete a message
 * twice, nor start a stream that could never complete.
 */
export class ChunkAssembler {
  private readonly limits: Required<ChunkAssemblerOptions>;
  private readonly streams = new Map<string, OpenStream>();
  private readonly closed = new Map<string, number>();
  private reserved = 0;

  constructor(options: ChunkAssemblerOptions = {}) {
    const pick = <K extends keyof ChunkAssemblerOptions>(key: K) => options[key] ?? CHUNK_ASSEMBLER_DEFAULTS[key];
    this.limits = {
      maxTotalBytes: pick('maxTotalBytes'),
      maxStreams: pick('maxStreams'),
      idleMs: pick('idleMs'),
      maxClosedIds: pick('maxClosedIds'),
    };
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Bytes reserved by open streams: the sum of their declared totalBytes. */
  get reservedBytes(): number {
    return this.reserved;
  }

  /** The whole message when `frame` completes it; otherwise undefined. */
  add(frame: ChunkFrame, now: number): Uint8Array | undefined {
    assertChunkFrame(frame);
    if (this.closed.has(frame.id)) return undefined;
    const stream = this.streams.get(frame.id) ?? this.open(frame, now);
    if (frame.count !== stream.count || frame.totalBytes !== stream.totalBytes) {
      const disagreement = `count ${frame.count} vs ${stream.count}, totalBytes ${frame.totalBytes} vs ${stream.totalBytes}`;
      this.fail(frame.id, now, `frames disagree (${disagreement})`);
    }
    stream.lastFrameAt = now;
    const seen = stream.parts.get(frame.index);
    if (seen) {
      if (sameBytes(seen, frame.data)) return undefined;
      this.fail(frame.id, now, `frame ${frame.index} arrived twice with different data`);
    }
    stream.receivedBytes += frame.data.byteLength;
    if (stream.receivedBytes > stream.totalBytes) {
      this.fail(frame.id, now, `frames carry more than the declared ${stream.totalBytes} bytes`);
    }
    // A copy: the data may be a view into a buffer the transport reuses for the next message.
    stream.parts.set(frame.index, frame.data.slice());
    if (stream.parts.size < stream.count) return undefined;
    if (stream.receivedBytes !== stream.totalBytes) {
      this.fail(frame.id, now, `frames carry ${stream.receivedBytes} bytes, not the declared ${stream.totalBytes}`);
    }
    const whole = new Uint8Array(stream.totalBytes);
    let offset = 0;
    for (let index = 0; index < stream.count; index++) {
      const part = stream.parts.get(index) as Uint8Array; // all `count` indexes are present
      whole.set(part, offset);
      offset += part.byteLength;
    }
    this.close(frame.id, now);
    return whole;
  }

  /** Drops streams idle for more than idleMs (returning their ids) and forgets old closed ids. */
  evictStale(now: number): string[] {
    const evicted: string[] = [];
    for (const [id, stream] of this.streams) {
      if (now - stream.lastFrameAt > this.limits.idleMs) {
        this.close(id, now);
        evicted.push(id);
      }
    }
    for (const [id, closedAt] of this.closed) {
      if (now - closedAt > this.limits.idleMs) this.closed.delete(id);
    }
    return evicted;
  }

  private open(frame: ChunkFrame, now: number): OpenStream {
    const { maxStreams, maxTotalBytes } = this.limits;
    if (this.streams.size >= maxStreams) this.fail(frame.id, now, `more than ${maxStreams} chunked messages at once`);
    if (this.reserved + frame.totalBytes > maxTotalBytes) {
      this.fail(frame.id, now, `a ${frame.totalBytes}-byte message exceeds the limit of ${maxTotalBytes} bytes (${this.reserved} in use)`);
    }
    const stream: OpenStream = { count: frame.count, totalBytes: frame.totalBytes, parts: new Map(), receivedBytes: 0, lastFrameAt: now };
    this.streams.set(frame.id, stream);
    this.reserved += frame.totalBytes;
    return stream;
  }

  private close(id: string, now: number): void {
    const stream = this.streams.get(id);
    if (stream) {
      this.reserved -= stream.totalBytes;
      this.streams.delete(id);
    }
    this.closed.set(id, now);
    if (this.closed.size > this.limits.maxClosedIds) {
      const oldest = this.closed.keys().next().value;
      if (oldest !== undefined) this.closed.delete(oldest);
    }
  }

  private fail(id: string, now: number, reason: string): never {
    this.close(id, now);
    throw new DomainError(ErrorCode.PROTOCOL_ERROR, `chunked message ${id} dropped: ${reason}`, { chunkId: id });
  }
}
