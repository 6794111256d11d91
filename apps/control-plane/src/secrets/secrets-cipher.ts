import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secret values at rest: AES-256-GCM, a fresh random 96-bit IV per value (the size GCM is
 * specified for; NIST SP 800-38D §8.2.2 — random IVs stay safe far beyond the number of secrets
 * we will ever seal under one key).
 *
 * Envelope: `v1:<keyId>:<iv>:<tag>:<ciphertext>`, parts base64url. The keyId (first 8 hex chars
 * of SHA-256 of the key) names the key that sealed the value, so after a key rotation we know
 * which key opens it without trial decryption. The secret's name is bound as additional
 * authenticated data: a ciphertext copied into another secret's row fails to open.
 */
const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Why a value could not be opened. Messages name keys by id only, never values. */
export class SecretsCipherError extends Error {
  override readonly name = 'SecretsCipherError';
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

interface Envelope {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function parseEnvelope(envelope: string): Envelope {
  const parts = envelope.split(':');
  if (parts.length !== 5 || parts[0] !== VERSION) {
    throw new SecretsCipherError(`Not a ${VERSION} secret envelope`);
  }
  const [, keyId = '', iv = '', tag = '', ciphertext = ''] = parts;
  if (!/^[0-9a-f]{8}$/.test(keyId) || ![iv, tag, ciphertext].every((part) => BASE64URL.test(part))) {
    throw new SecretsCipherError(`Malformed ${VERSION} secret envelope`);
  }
  const decoded = {
    keyId,
    iv: Buffer.from(iv, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
  };
  if (decoded.iv.length !== IV_BYTES || decoded.tag.length !== TAG_BYTES) {
    throw new SecretsCipherError(`Malformed ${VERSION} secret envelope`);
  }
  return decoded;
}

function additionalData(keyId: string, name: string): Buffer {
  // The version and key id are bound too, so editing the envelope header cannot go unnoticed.
  return Buffer.from(`switchyard.secret:${VERSION}:${keyId}:${name}`, 'utf8');
}

export class SecretsCipher {
  private readonly current: { id: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();

  /**
   * @param key seals new values and opens values it sealed.
   * @param retiredKeys still open values sealed before a rotation; never seal.
   */
  constructor(key: Buffer, retiredKeys: readonly Buffer[] = []) {
    for (const candidate of [key, ...retiredKeys]) {
      if (candidate.length !== KEY_BYTES) {
        throw new SecretsCipherError(`A secrets key must be ${KEY_BYTES} bytes, got ${candidate.length}`);
      }
      const id = keyIdOf(candidate);
      if (!this.keys.has(id)) this.keys.set(id, Buffer.from(candidate));
    }
    const id = keyIdOf(key);
    this.current = { id, key: this.keys.get(id)! };
  }

  /** The id of the key new values are sealed with. */
  get keyId(): string {
    return this.current.id;
  }

  seal(name: string, value: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(this.current.id, name));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
    return [VERSION, this.current.id, ...parts].join(':');
  }

  open(name: string, envelope: string): string {
    const { keyId, iv, tag, ciphertext } = parseEnvelope(envelope);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SecretsCipherError(
        `Secret "${name}" was sealed with key ${keyId}, which is not configured (current key: ${this.current.id})`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(keyId, name));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretsCipherError(
        `Secret "${name}" failed its integrity check: the envelope was altered or belongs to another secret`,
      );
    }
  }
}
