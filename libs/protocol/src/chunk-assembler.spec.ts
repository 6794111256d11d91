import fc from 'fast-check';
import { ChunkAssembler } from './chunk-assembler.js';
import { chunkHeaderBytes, decodeChunkFrame, encodeChunkFrame, splitIntoChunks, type ChunkFrame } from './chunking.js';
import { DomainError, ErrorCode } from './errors.js';

const ID = '0190a8e4-5c1e-7b2a-9d3f-1234567890ab';
const HEADER = chunkHeaderBytes(ID);
const MiB = 1024 * 1024;

/** Pseudo-random bytes from a seed (xorshift32, a word at a time): megabytes in milliseconds, unlike fc.uint8Array. */
function payloadOf(length: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = seed | 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, length);
}

/** A permutation of `items` from a seed (Fisher-Yates over xorshift32): fc.shuffledSubarray is slow for thousands of frames. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed | 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The frames as a receiver sees them: through the wire encoding, in the generated order, with repeats. */
function delivery(g: fc.GeneratorValue, frames: ChunkFrame[]): ChunkFrame[] {
  const wire = frames.map((f) => decodeChunkFrame(encodeChunkFrame(f)));
  const order = shuffled(wire, g(fc.integer));
  const repeats = g(fc.array, fc.tuple(fc.nat({ max: wire.length - 1 }), fc.nat({ max: wire.length })), { maxLength: 8 });
  for (const [which, at] of repeats) order.splice(at, 0, wire[which] as ChunkFrame);
  return order;
}

/** Byte equality without jest's element-by-element deep equality, which dominates the run time at megabytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function protocolErrorOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCode.PROTOCOL_ERROR) return error.message;
    throw error;
  }
  throw new Error('expected a PROTOCOL_ERROR');
}

function reassembled(sut: ChunkAssembler, frames: ChunkFrame[]): Uint8Array[] {
  return frames.flatMap((f, i) => sut.add(f, i) ?? []);
}

describe('ChunkAssembler', () => {
  it('reassembles any small payload at any chunk size, in any order with repeats, exactly once', () => {
    fc.assert(
      fc.property(fc.gen(), (g) => {
        const payload = payloadOf(g(fc.nat, { max: 4096 }), g(fc.integer));
        const frames = splitIntoChunks(payload, { id: ID, maxChunkBytes: HEADER + 1 + g(fc.nat, { max: 5000 }) });
        const sut = new ChunkAssembler();
        const results = reassembled(sut, delivery(g, frames));
        expect(results).toHaveLength(1);
        expect(sameBytes(results[0] as Uint8Array, payload)).toBe(true);
        expect([sut.openStreams, sut.reservedBytes]).toEqual([0, 0]);
      }),
      { numRuns: 300 },
    );
  });

  it('reassembles payloads up to 3 MB the same way', () => {
    fc.assert(
      fc.property(fc.gen(), (g) => {
        const length = g(() => fc.oneof(fc.constantFrom(0, 1, 3 * MiB - 1, 3 * MiB), fc.integer({ min: 0, max: 3 * MiB })));
        const payload = payloadOf(length, g(fc.integer));
        // Any chunk size, but at least 1/4000 of the payload per frame to keep the run short.
        const maxChunkBytes = Math.max(g(fc.integer, { min: HEADER + 1, max: 4 * MiB }), HEADER + Math.ceil(length / 4000));
        const frames = splitIntoChunks(payload, { id: ID, maxChunkBytes });
        const results = reassembled(new ChunkAssembler(), delivery(g, frames));
        expect(results).toHaveLength(1);
        expect(sameBytes(results[0] as Uint8Array, payload)).toBe(true);
      }),
      // No shrinking: each counterexample is megabytes, and the first one already says what broke.
      { numRuns: 25, endOnFailure: true },
    );
  });

  it('never completes a message with a frame missing, and evicts it once idle', () => {
    fc.assert(
      fc.property(fc.gen(), (g) => {
        const payload = payloadOf(g(fc.integer, { min: 2, max: 4096 }), g(fc.integer));
        const frames = splitIntoChunks(payload, { id: ID, maxChunkBytes: HEADER + 1 + g(fc.nat, { max: payload.byteLength - 2 }) });
        const missing = g(fc.nat, { max: frames.length - 1 });
        const sut = new ChunkAssembler({ idleMs: 1000 });
        const partial = delivery(g, frames.filter((f) => f.index !== missing));
        expect(reassembled(sut, partial)).toEqual([]);
        expect(sut.openStreams).toBe(1);
        expect(sut.evictStale(partial.length + 1001)).toEqual([ID]);
        // The missing frame arriving late completes nothing: the id is closed.
        expect(sut.add(frames[missing] as ChunkFrame, partial.length + 1002)).toBeUndefined();
        expect(sut.openStreams).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps its own copy of frame data, so a transport reusing its buffer cannot corrupt a stream', () => {
    const sut = new ChunkAssembler();
    const wire = splitIntoChunks(new Uint8Array([1, 2, 3, 4]), { id: 'm', maxChunkBytes: chunkHeaderBytes('m') + 2 }).map(encodeChunkFrame);
    const first = wire[0] as Uint8Array;
    sut.add(decodeChunkFrame(first), 0);
    first.fill(0xee);
    expect(sut.add(decodeChunkFrame(wire[1] as Uint8Array), 1)).toEqual(new Uint8Array([1, 2, 3, 4]));
  });

  describe('limits', () => {
    const split = (id: string, length: number, maxChunkBytes = 100) => splitIntoChunks(payloadOf(length, 7), { id, maxChunkBytes });

    it('refuses a message larger than maxTotalBytes at its first frame', () => {
      const sut = new ChunkAssembler({ maxTotalBytes: 1000 });
      expect(protocolErrorOf(() => sut.add(split('big', 1001)[3] as ChunkFrame, 0))).toBe(
        'chunked message big dropped: a 1001-byte message exceeds the limit of 1000 bytes (0 in use)',
      );
      expect([sut.openStreams, sut.reservedBytes]).toEqual([0, 0]);
    });

    it('counts every open stream against maxTotalBytes and releases a completed one', () => {
      const sut = new ChunkAssembler({ maxTotalBytes: 1000 });
      const first = split('first', 600);
      sut.add(first[0] as ChunkFrame, 0);
      expect(sut.reservedBytes).toBe(600);
      expect(protocolErrorOf(() => sut.add(split('second', 401)[0] as ChunkFrame, 1))).toMatch(/401-byte message exceeds the limit of 1000 bytes \(600 in use\)/);
      expect(reassembled(sut, first.slice(1))).toHaveLength(1);
      expect(sut.add(split('third', 1000)[0] as ChunkFrame, 2)).toBeUndefined();
      expect(sut.reservedBytes).toBe(1000);
    });

    it('refuses more than maxStreams messages at once, and has room again after an eviction', () => {
      const sut = new ChunkAssembler({ maxStreams: 2, idleMs: 10 });
      sut.add(split('a', 500)[0] as ChunkFrame, 0);
      sut.add(split('b', 500)[0] as ChunkFrame, 5);
      expect(protocolErrorOf(() => sut.add(split('c', 500)[0] as ChunkFrame, 6))).toMatch(/more than 2 chunked messages at once/);
      expect(sut.evictStale(10)).toEqual([]);
      expect(sut.evictStale(11)).toEqual(['a']);
      expect(sut.add(split('d', 500)[0] as ChunkFrame, 12)).toBeUndefined();
      expect(sut.openStreams).toBe(2);
    });
  });

  describe('frames that contradict each other', () => {
    const frames = splitIntoChunks(payloadOf(10, 3), { id: 'm', maxChunkBytes: chunkHeaderBytes('m') + 4 }); // 4 + 4 + 2 bytes

    it.each<[string, ChunkFrame, RegExp]>([
      ['another count', { ...frames[1], count: 4 } as ChunkFrame, /frames disagree \(count 4 vs 3/],
      ['another totalBytes', { ...frames[1], totalBytes: 9 } as ChunkFrame, /totalBytes 9 vs 10/],
      ['a repeat with other data', { ...frames[0], data: new Uint8Array([9, 9, 9, 9]) } as ChunkFrame, /frame 0 arrived twice with different data/],
      ['more data than declared', { ...frames[1], data: new Uint8Array(7) } as ChunkFrame, /more than the declared 10 bytes/],
    ])('drop the stream on %s, and ignore its later frames', (_, bad, message) => {
      const sut = new ChunkAssembler();
      sut.add(frames[0] as ChunkFrame, 0);
      expect(protocolErrorOf(() => sut.add(bad, 1))).toMatch(message);
      expect([sut.openStreams, sut.reservedBytes]).toEqual([0, 0]);
      expect(reassembled(sut, frames)).toEqual([]);
    });

    it('refuses frames whose data do not add up to the declared size', () => {
      const sut = new ChunkAssembler();
      const short = frames.map((f) => ({ ...f, data: f.data.subarray(0, 2) }));
      sut.add(short[0] as ChunkFrame, 0);
      sut.add(short[1] as ChunkFrame, 0);
      expect(protocolErrorOf(() => sut.add(short[2] as ChunkFrame, 0))).toMatch(/frames carry 6 bytes, not the declared 10/);
    });

    it('refuses a malformed frame handed in directly', () => {
      expect(protocolErrorOf(() => new ChunkAssembler().add({ ...(frames[0] as ChunkFrame), index: 3 }, 0))).toMatch(/index 3 is not below count 3/);
    });
  });

  describe('closed ids', () => {
    const single = (id: string) => splitIntoChunks(new Uint8Array([1, 2]), { id, maxChunkBytes: 100 })[0] as ChunkFrame;

    it('ignore a repeat of a completed message for idleMs, then are forgotten', () => {
      const sut = new ChunkAssembler({ idleMs: 100 });
      expect(sut.add(single('x'), 0)).toEqual(new Uint8Array([1, 2]));
      expect(sut.add(single('x'), 100)).toBeUndefined();
      sut.evictStale(100);
      expect(sut.add(single('x'), 100)).toBeUndefined();
      sut.evictStale(101);
      expect(sut.add(single('x'), 101)).toEqual(new Uint8Array([1, 2]));
    });

    it('are bounded by maxClosedIds, oldest forgotten first', () => {
      const sut = new ChunkAssembler({ maxClosedIds: 2 });
      for (const id of ['a', 'b', 'c']) sut.add(single(id), 0);
      expect(sut.add(single('c'), 1)).toBeUndefined();
      expect(sut.add(single('b'), 1)).toBeUndefined();
      expect(sut.add(single('a'), 1)).toEqual(new Uint8Array([1, 2]));
    });
  });
});
