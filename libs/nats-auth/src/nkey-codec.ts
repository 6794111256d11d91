// The nkey text encoding (what @nats-io/nkeys' Codec does, which it does not export): a prefix
// byte (two for seeds), the payload and a CRC-16/XMODEM, little-endian, all in unpadded base32.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Prefix bytes; in base32 they read as the first letter (two letters for seeds). */
export const NKEY_PREFIX = { seed: 18 << 3, private: 15 << 3, operator: 14 << 3, account: 0, user: 20 << 3 } as const;

function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(value >>> bits) & 31];
    }
  }
  return bits > 0 ? out + ALPHABET[(value << (5 - bits)) & 31] : out;
}

export function base32Decode(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) throw new Error('not base32');
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function withChecksum(body: Uint8Array): string {
  const crc = crc16(body);
  return base32Encode(Buffer.concat([body, Buffer.from([crc & 0xff, crc >>> 8])]));
}

/** A public or private nkey: one prefix byte, then the payload. */
export function encodeNkey(prefix: number, payload: Uint8Array): string {
  return withChecksum(Buffer.concat([Buffer.from([prefix]), payload]));
}

/** A seed: the seed prefix and the key's role packed into two bytes, then 32 bytes. */
export function encodeSeed(role: number, rawSeed: Uint8Array): string {
  return withChecksum(Buffer.concat([Buffer.from([NKEY_PREFIX.seed | (role >> 5), (role & 31) << 3]), rawSeed]));
}

/** The role prefix and the 32 raw bytes of a seed; throws on anything else or a bad checksum. */
export function decodeSeed(text: string): { role: number; rawSeed: Buffer } {
  const raw = base32Decode(text);
  if (raw.length !== 36) throw new Error('not a seed');
  const body = raw.subarray(0, 34);
  if (crc16(body) !== raw.readUInt16LE(34)) throw new Error('bad checksum');
  if ((raw[0]! & 248) !== NKEY_PREFIX.seed) throw new Error('not a seed');
  return { role: ((raw[0]! & 7) << 5) | ((raw[1]! & 248) >> 3), rawSeed: Buffer.from(raw.subarray(2, 34)) };
}
