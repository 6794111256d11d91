import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { keyIdOf, SecretsCipher, SecretsCipherError } from './secrets-cipher.js';

const ENVELOPE = /^v1:[0-9a-f]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]*$/;

/** Replaces one base64url part of an envelope, keeping the rest. */
function withPart(envelope: string, index: number, change: (bytes: Buffer) => Buffer): string {
  const parts = envelope.split(':');
  parts[index] = change(Buffer.from(parts[index]!, 'base64url')).toString('base64url');
  return parts.join(':');
}

function flipFirstBit(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy[0] = copy[0]! ^ 1;
  return copy;
}

describe('SecretsCipher', () => {
  const key = randomBytes(32);
  const sut = new SecretsCipher(key);

  it('opens what it sealed, for any value', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ minLength: 1, maxLength: 20 }), (value, name) => {
        expect(sut.open(name, sut.seal(name, value))).toBe(value);
      }),
    );
  });

  it('writes the v1 envelope, names the key by the first 8 hex chars of its SHA-256 and never the value in clear', () => {
    const value = 'correct horse battery staple';
    const envelope = sut.seal('db-password', value);
    expect(envelope).toMatch(ENVELOPE);
    expect(envelope.split(':')[1]).toBe(createHash('sha256').update(key).digest('hex').slice(0, 8));
    expect(sut.keyId).toBe(keyIdOf(key));
    expect(envelope).not.toContain(value);
    expect(envelope).not.toContain(Buffer.from(value).toString('base64url'));
  });

  it('uses a fresh IV for every value, so equal values do not look equal', () => {
    const a = sut.seal('x', 'same');
    const b = sut.seal('x', 'same');
    expect(a).not.toBe(b);
    expect(a.split(':')[2]).not.toBe(b.split(':')[2]);
  });

  it('refuses to open a value sealed under another key, naming both key ids', () => {
    const other = new SecretsCipher(randomBytes(32));
    const envelope = other.seal('api-token', 'v');
    expect(() => sut.open('api-token', envelope)).toThrow(SecretsCipherError);
    expect(() => sut.open('api-token', envelope)).toThrow(new RegExp(`key ${other.keyId}.*not configured.*${sut.keyId}`));
  });

  it('detects a wrong key even when the envelope header claims the right one', () => {
    const other = new SecretsCipher(randomBytes(32));
    const forged = other.seal('api-token', 'v').replace(`:${other.keyId}:`, `:${sut.keyId}:`);
    expect(() => sut.open('api-token', forged)).toThrow(/integrity check/);
  });

  it.each([
    ['the IV', 2],
    ['the tag', 3],
    ['the ciphertext', 4],
  ])('detects a change to %s', (_what, index) => {
    const envelope = sut.seal('api-token', 'some value');
    expect(() => sut.open('api-token', withPart(envelope, index, flipFirstBit))).toThrow(/integrity check/);
  });

  it('binds the value to its secret name: a ciphertext moved to another secret does not open', () => {
    const envelope = sut.seal('prod-db-password', 'hunter2');
    expect(() => sut.open('staging-db-password', envelope)).toThrow(/integrity check.*another secret/);
  });

  it.each(['', 'plain text', 'v2:abcdef01:a:b:c', 'v1:abcdef01:a:b', 'v1:ABCDEF01:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA:', 'v1:abcdef01:!!:b:c'])(
    'rejects the malformed envelope %j with a clear error',
    (envelope) => {
      expect(() => sut.open('x', envelope)).toThrow(/envelope/);
    },
  );

  it('rejects a truncated IV or tag', () => {
    const envelope = sut.seal('x', 'v');
    expect(() => sut.open('x', withPart(envelope, 2, (b) => b.subarray(1)))).toThrow(/Malformed/);
    expect(() => sut.open('x', withPart(envelope, 3, (b) => b.subarray(4)))).toThrow(/Malformed/);
  });

  it('after a rotation seals with the new key and still opens values sealed with a retired one', () => {
    const oldKey = randomBytes(32);
    const sealedBefore = new SecretsCipher(oldKey).seal('token', 'old value');
    const rotated = new SecretsCipher(randomBytes(32), [oldKey]);
    expect(rotated.open('token', sealedBefore)).toBe('old value');
    expect(rotated.seal('token', 'new').split(':')[1]).toBe(rotated.keyId);
    expect(rotated.keyId).not.toBe(keyIdOf(oldKey));
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new SecretsCipher(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => new SecretsCipher(randomBytes(32), [randomBytes(31)])).toThrow(/32 bytes/);
  });

  it('keeps values out of its error messages', () => {
    const value = 'the-secret-value-123';
    const envelope = new SecretsCipher(randomBytes(32)).seal('x', value);
    try {
      sut.open('x', envelope);
      throw new Error('expected open to fail');
    } catch (error) {
      expect(error).toBeInstanceOf(SecretsCipherError);
      expect((error as Error).message).not.toContain(value);
    }
  });
});
