import { checkKey, type KeyPair } from '@nats-io/jwt';
import { NativeKeyPair } from './native-key-pair.js';

/** What an nkey's first letter says it is (seeds start with "S" and then this letter). */
export const KEY_PREFIX = { operator: 'O', account: 'A', user: 'U' } as const;
export type KeyKind = keyof typeof KEY_PREFIX;

/** The seed of a key pair as text (`SO…`, `SA…`, `SU…`). */
export function seedText(pair: KeyPair): string {
  return new TextDecoder().decode(pair.getSeed());
}

/**
 * A key pair from its seed, signing with Node's Ed25519; throws (without echoing the seed) when it
 * is not a seed of that kind.
 */
export function keyPairFromSeed(seed: string, kind: KeyKind): KeyPair {
  try {
    // The second letter of a seed is the kind of its key.
    if (seed[1] === KEY_PREFIX[kind]) return new NativeKeyPair(seed);
  } catch {
    // fall through: same message for every way a seed can be wrong
  }
  throw new Error(`not a valid ${kind} seed (expected S${KEY_PREFIX[kind]}…)`);
}

/** The public key of a seed, or undefined when the text is not a seed of that kind. */
export function publicKeyOfSeed(seed: string, kind: KeyKind): string | undefined {
  try {
    return keyPairFromSeed(seed, kind).getPublicKey();
  } catch {
    return undefined;
  }
}

/** True for a well-formed public nkey of that kind (checksum included). */
export function isPublicKey(value: string, kind: KeyKind): boolean {
  try {
    return !value.startsWith('S') && checkKey(value, KEY_PREFIX[kind]).getPublicKey() === value;
  } catch {
    return false;
  }
}
