import fc from 'fast-check';
import {
  chunkHeaderBytes,
  decodeChunkFrame,
  encodeChunkFrame,
  isChunkFrame,
  NATS_DEFAULT_MAX_PAYLOAD,
  splitForPublish,
  splitIntoChunks,
  type ChunkFrame,
} from './chunking.js';
import { encode } from './codec.js';
import { DomainError, ErrorCode } from './errors.js';
import { controlMessageSchema } from './messages/control.js';

const UUID = '0190a8e4-5c1e-7b2a-9d3f-1234567890ab';
const MiB = 1024 * 1024;

function protocolErrorOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCode.PROTOCOL_ERROR) return error.message;
    throw error;
  }
  throw new Error('expected a PROTOCOL_ERROR');
}

const frame = (change: Partial<ChunkFrame> = {}): ChunkFrame => ({ id: 'm-1', index: 0, count: 2, totalBytes: 5, data: new Uint8Array([1, 2, 3]), ...change });

describe('chunk frame format', () => {
  it('lays out magic, format, id, index, count and totalBytes ahead of the data', () => {
    const hex = Array.from(encodeChunkFrame(frame({ index: 1, data: new Uint8Array([0xaa, 0xbb]) })), (b) => b.toString(16).padStart(2, '0')).join(' ');
    expect(hex).toBe('00 01 03 6d 2d 31 00 00 00 01 00 00 00 02 00 00 00 05 aa bb');
  });

  it('costs 15 bytes plus the id: 51 with a UUID, 306 bytes over six frames for a 5 MiB message', () => {
    expect(chunkHeaderBytes(UUID)).toBe(51);
    const payload = new Uint8Array(5 * MiB);
    const frames = splitIntoChunks(payload, { id: UUID, maxChunkBytes: NATS_DEFAULT_MAX_PAYLOAD }).map(encodeChunkFrame);
    expect(frames).toHaveLength(6);
    expect(Math.max(...frames.map((f) => f.byteLength))).toBe(NATS_DEFAULT_MAX_PAYLOAD);
    expect(frames.reduce((sum, f) => sum + f.byteLength, 0) - payload.byteLength).toBe(306);
  });

  it('decodes what it encodes, and every frame fits maxChunkBytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/), fc.nat({ max: 3000 }), (payload, id, room) => {
        const maxChunkBytes = chunkHeaderBytes(id) + 1 + room;
        const frames = splitIntoChunks(payload, { id, maxChunkBytes });
        expect(frames).toHaveLength(Math.max(1, Math.ceil(payload.byteLength / (maxChunkBytes - chunkHeaderBytes(id)))));
        for (const sent of frames) {
          const wire = encodeChunkFrame(sent);
          expect(wire.byteLength).toBeLessThanOrEqual(maxChunkBytes);
          expect(isChunkFrame(wire)).toBe(true);
          expect(decodeChunkFrame(wire)).toEqual(sent);
        }
      }),
    );
  });

  it('is told apart from a whole message, which is JSON', () => {
    expect(isChunkFrame(encode(controlMessageSchema, { v: 1, type: 'drain', graceMs: 0 }))).toBe(false);
    expect(isChunkFrame(new Uint8Array())).toBe(false);
  });

  it.each<[string, Uint8Array, RegExp]>([
    ['a JSON message', new TextEncoder().encode('{"v":1}'), /no frame header/],
    ['another format', new Uint8Array([0, 2, 1, 0x61]), /format 2 is not supported/],
    ['a truncated header', encodeChunkFrame(frame()).subarray(0, 10), /shorter than the 18-byte header/],
    ['an empty id', new Uint8Array([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]), /id must be/],
    ['an id with a dot', (() => { const b = encodeChunkFrame(frame()); b[4] = 0x2e; return b; })(), /id must be/],
  ])('refuses %s', (_, bytes, message) => {
    expect(protocolErrorOf(() => decodeChunkFrame(bytes))).toMatch(message);
  });

  it.each<[string, Partial<ChunkFrame>, RegExp]>([
    ['an index at count', { index: 2 }, /index 2 is not below count 2/],
    ['no frames', { count: 0 }, /index 0 is not below count 0/],
    ['more frames than bytes', { count: 6 }, /count 6 is more than totalBytes 5 allows/],
    ['more data than the message', { data: new Uint8Array(6) }, /6 data bytes exceed totalBytes 5/],
    ['an empty frame of a non-empty message', { data: new Uint8Array() }, /empty frame/],
  ])('refuses a frame with %s', (_, change, message) => {
    expect(protocolErrorOf(() => encodeChunkFrame(frame(change)))).toMatch(message);
  });

  it('splits an empty payload into one empty frame', () => {
    expect(splitIntoChunks(new Uint8Array(), { id: 'e', maxChunkBytes: 100 })).toEqual([{ id: 'e', index: 0, count: 1, totalBytes: 0, data: new Uint8Array() }]);
  });

  it('refuses a chunk size that leaves no room for data, and an id that is not a token', () => {
    expect(() => splitIntoChunks(new Uint8Array(10), { id: UUID, maxChunkBytes: 51 })).toThrow(RangeError);
    expect(() => splitIntoChunks(new Uint8Array(10), { id: 'a.b', maxChunkBytes: 1000 })).toThrow(RangeError);
  });
});

describe('splitForPublish', () => {
  const options = { id: 'm-1', maxChunkBytes: 100 };

  it('sends a message that fits as is, and one byte more as frames', () => {
    const fits = new Uint8Array(100).fill(0x7b);
    expect(splitForPublish(fits, options)).toEqual([fits]);
    const tooBig = new Uint8Array(101).fill(0x7b);
    const frames = splitForPublish(tooBig, options);
    expect(frames).toHaveLength(2);
    expect(frames.every(isChunkFrame)).toBe(true);
  });

  it('frames a small payload that would look like a frame', () => {
    expect(splitForPublish(new Uint8Array([0, 1]), options).map(decodeChunkFrame)).toEqual([{ id: 'm-1', index: 0, count: 1, totalBytes: 2, data: new Uint8Array([0, 1]) }]);
  });
});
