import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The SRI hash algorithms a version may pin (https://www.w3.org/TR/SRI/#cryptographic-hash-functions). */
export const INTEGRITY_ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const;
export type IntegrityAlgorithm = (typeof INTEGRITY_ALGORITHMS)[number];

export interface ParsedIntegrity {
  algorithm: IntegrityAlgorithm;
  /** Base64 digest (canonical, padded). */
  digest: string;
}

const DIGEST_BYTES: Record<IntegrityAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

/**
 * Parses one SRI token (`sha512-<base64>`). Only one token: SRI allows a list, but a version pins
 * exactly one artifact, and "any of several hashes" would weaken the pin to the weakest entry.
 * Returns null for anything else, including a digest of the wrong length for its algorithm.
 */
export function parseIntegrity(value: string): ParsedIntegrity | null {
  const match = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$/.exec(value.trim());
  if (!match) return null;
  const algorithm = match[1] as IntegrityAlgorithm;
  const bytes = Buffer.from(match[2], 'base64');
  if (bytes.length !== DIGEST_BYTES[algorithm]) return null;
  // Re-encoded so that a pin written without `=` padding compares equal to the computed hash.
  return { algorithm, digest: bytes.toString('base64') };
}

/** The SRI string of a file's content, streamed so a large binary is not read into memory at once. */
export async function integrityOfFile(file: string, algorithm: IntegrityAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `${algorithm}-${hash.digest('base64')}`;
}

export type IntegrityVerdict = { ok: true; actual: string } | { ok: false; reason: string };

/**
 * Checks an artifact against the integrity pinned in its version. The reason of a refusal names
 * both hashes, so an operator can tell a tampered file from a wrong pin at a glance.
 */
export async function verifyArtifactIntegrity(artifact: string, expected: string): Promise<IntegrityVerdict> {
  const pinned = parseIntegrity(expected);
  if (pinned === null) {
    return { ok: false, reason: `artifact integrity is not a sha256-/sha384-/sha512- SRI hash: ${expected}` };
  }
  let actual: string;
  try {
    actual = await integrityOfFile(artifact, pinned.algorithm);
  } catch (error) {
    return { ok: false, reason: `artifact integrity could not be checked: ${(error as Error).message}` };
  }
  const normalizedExpected = `${pinned.algorithm}-${pinned.digest}`;
  if (actual !== normalizedExpected) {
    return { ok: false, reason: `artifact integrity mismatch: expected ${normalizedExpected}, got ${actual}` };
  }
  return { ok: true, actual };
}
