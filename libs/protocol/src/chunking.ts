import { DomainError, ErrorCode } from './errors.js';
import { isSubjectToken } from './subjects.js';

/**
 * Messages larger than NATS' max_payload (1 MiB by default; the client sees the server's value in
 * `info.max_payload`) travel as chunk frames and are put back together by a ChunkAssembler.
 *
 * Frame format 1, binary, big-endian:
 *
 *   offset   size  field
 *   0        1     0x00 magic: a whole message is UTF-8 JSON and starts with `{`, never NUL, so
 *                   frames and whole messages can share a subject and isChunkFrame() tells them apart
 *   1        1     format (1)
 *   2        1     L = length of id (1..64)
 *   3        L     id, ASCII, a subject-safe token chosen by the sender per message (a UUID)
 *   3+L      4     index of this frame (0-based)
 *   7+L      4     count of frames in the message
 *   11+L     4     totalBytes of the whole message (so limits are checked at the first frame)
 *   15+L     …     data
 *
 * Header: 15 + L bytes, 51 with a UUID id. Why not JSON with base64 data: measured on a 5 MiB
 * payload split at 1 MiB (Node 20), binary frames took 6 frames and 5,243,186 bytes on the wire
 * (+306 bytes, 0.006 %), 2.4 ms to frame and 3.1 ms to reassemble; JSON + base64 took 7 frames and
 * 6,991,222 bytes (+33 %), 317 ms to frame (btoa: no Buffer in this lib) and 46 ms to reassemble.
 */
export const CHUNK_FRAME_FORMAT = 1;
export const NATS_DEFAULT_MAX_PAYLOAD = 1024 * 1024;

const MAGIC = 0x00;
const FIXED_HEADER_BYTES = 15;
const MAX_UINT32 = 0xffff_ffff;

export interface ChunkFrame {
  id: string;
  index: number;
  count: number;
  totalBytes: number;
  data: Uint8Array;
}

export interface SplitOptions {
  /** Unique per message and sender; a subject-safe token ([A-Za-z0-9-]{1,64}). */
  id: string;
  /** Largest encoded frame, header included: max_payload minus any NATS headers the publisher adds. */
  maxChunkBytes: number;
}

function protocolError(message: string): DomainError {
  return new DomainError(ErrorCode.PROTOCOL_ERROR, `invalid chunk frame: ${message}`);
}

/** Bytes of a frame's header for this id (ids are ASCII, so characters = bytes). */
export function chunkHeaderBytes(id: string): number {
  return FIXED_HEADER_BYTES + id.length;
}

/** Throws PROTOCOL_ERROR unless the frame is self-consistent; shared by decodeChunkFrame and the assembler. */
export function assertChunkFrame(frame: ChunkFrame): void {
  const { id, index, count, totalBytes, data } = frame;
  if (!isSubjectToken(id)) throw protocolError('id must be 1-64 letters, digits or dashes');
  const uint32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= MAX_UINT32;
  if (!uint32(index) || !uint32(count) || !uint32(totalBytes)) throw protocolError('index, count and totalBytes must be uint32');
  if (count < 1 || index >= count) throw protocolError(`index ${index} is not below count ${count}`);
  // Every frame of a non-empty message carries at least one byte, which also bounds count.
  if (count > Math.max(1, totalBytes)) throw protocolError(`count ${count} is more than totalBytes ${totalBytes} allows`);
  if (data.byteLength > totalBytes) throw protocolError(`${data.byteLength} data bytes exceed totalBytes ${totalBytes}`);
  if (data.byteLength === 0 && totalBytes > 0) throw protocolError('empty frame of a non-empty message');
}

/**
 * Splits `payload` into frames whose encoding is at most maxChunkBytes. Frames' data are views of
 * `payload`, not copies; an empty payload is one empty frame.
 */
export function splitIntoChunks(payload: Uint8Array, { id, maxChunkBytes }: SplitOptions): ChunkFrame[] {
  if (!isSubjectToken(id)) throw new RangeError(`chunk id ${JSON.stringify(id)} must be 1-64 letters, digits or dashes`);
  const dataPerFrame = maxChunkBytes - chunkHeaderBytes(id);
  if (!Number.isSafeInteger(maxChunkBytes) || dataPerFrame < 1) {
    throw new RangeError(`maxChunkBytes ${maxChunkBytes} leaves no room for data after a ${chunkHeaderBytes(id)}-byte header`);
  }
  const totalBytes = payload.byteLength;
  if (totalBytes > MAX_UINT32) throw new RangeError(`a ${totalBytes}-byte payload is too large to chunk`);
  const count = Math.max(1, Math.ceil(totalBytes / dataPerFrame));
  return Array.from({ length: count }, (_, index) => ({
    id,
    index,
    count,
    totalBytes,
    data: payload.subarray(index * dataPerFrame, (index + 1) * dataPerFrame),
  }));
}

export function encodeChunkFrame(frame: ChunkFrame): Uint8Array {
  assertChunkFrame(frame);
  const header = chunkHeaderBytes(frame.id);
  const bytes = new Uint8Array(header + frame.data.byteLength);
  const view = new DataView(bytes.buffer);
  bytes[0] = MAGIC;
  bytes[1] = CHUNK_FRAME_FORMAT;
  bytes[2] = frame.id.length;
  for (let i = 0; i < frame.id.length; i++) bytes[3 + i] = frame.id.charCodeAt(i);
  view.setUint32(header - 12, frame.index);
  view.setUint32(header - 8, frame.count);
  view.setUint32(header - 4, frame.totalBytes);
  bytes.set(frame.data, header);
  return bytes;
}

/** True for bytes that are a chunk frame rather than a whole (JSON) message. */
export function isChunkFrame(bytes: Uint8Array): boolean {
  return bytes.byteLength > 0 && bytes[0] === MAGIC;
}

/** The frame in `bytes` (its data a view, not a copy), or PROTOCOL_ERROR. */
export function decodeChunkFrame(bytes: Uint8Array): ChunkFrame {
  if (bytes.byteLength < 3 || bytes[0] !== MAGIC) throw protocolError('no frame header');
  if (bytes[1] !== CHUNK_FRAME_FORMAT) throw protocolError(`format ${bytes[1]} is not supported (expected ${CHUNK_FRAME_FORMAT})`);
  const idLength = bytes[2] ?? 0;
  const header = FIXED_HEADER_BYTES + idLength;
  if (bytes.byteLength < header) throw protocolError(`${bytes.byteLength} bytes are shorter than the ${header}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frame: ChunkFrame = {
    id: String.fromCharCode(...bytes.subarray(3, 3 + idLength)),
    index: view.getUint32(header - 12),
    count: view.getUint32(header - 8),
    totalBytes: view.getUint32(header - 4),
    data: bytes.subarray(header),
  };
  assertChunkFrame(frame);
  return frame;
}

/**
 * What to publish for one encoded message: the message itself when it fits, otherwise its frames.
 * A receiver passes what isChunkFrame() recognises to its ChunkAssembler and decodes the rest.
 */
export function splitForPublish(payload: Uint8Array, options: SplitOptions): Uint8Array[] {
  const fitsWhole = payload.byteLength <= options.maxChunkBytes && !isChunkFrame(payload);
  return fitsWhole ? [payload] : splitIntoChunks(payload, options).map(encodeChunkFrame);
}
