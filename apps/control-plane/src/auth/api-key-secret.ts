import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys are 256 random bits, shown once and stored as SHA-256. A slow password hash (argon2,
 * bcrypt) protects low-entropy secrets against guessing; for a 256-bit random key a single
 * SHA-256 is already beyond brute force, and lets every request look the key up by its hash.
 */
export const API_KEY_PREFIX = 'sy_';
const API_KEY_PATTERN = /^sy_[A-Za-z0-9_-]{43}$/;

export interface IssuedSecret {
  /** The full secret, shown once to its owner. */
  plaintext: string;
  hash: string;
  /** A short, non-secret part for recognising a key in lists ("sy_Ab12Cd3…"). */
  displayPrefix: string;
}

export function issueSecret(prefix = API_KEY_PREFIX): IssuedSecret {
  const plaintext = prefix + randomBytes(32).toString('base64url');
  return { plaintext, hash: hashSecret(plaintext), displayPrefix: `${plaintext.slice(0, prefix.length + 6)}…` };
}

export function hashSecret(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

export function looksLikeApiKey(value: string): boolean {
  return API_KEY_PATTERN.test(value);
}

/** Extracts the key from an `Authorization: Bearer sy_…` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
