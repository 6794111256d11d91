import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import type { KeyPair } from '@nats-io/jwt';
import { decodeSeed, encodeNkey, encodeSeed, NKEY_PREFIX } from './nkey-codec.js';

// Why not @nats-io/nkeys' key pairs: they compute with tweetnacl (pure JS) and redo the scalar
// multiplication for every getPublicKey()/getPrivateKey()/sign(), which @nats-io/jwt calls several
// times per JWT: ~50 ms per signature in Node and over a second under load inside jest's VM
// context, on the path of every runner revocation. Ed25519 is deterministic, so Node's native
// implementation yields the very same keys and signatures (native-key-pair.spec.ts checks this
// against nkeys).

/** DER headers of Ed25519 PKCS#8 private and SPKI public keys; the 32 raw bytes follow. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX_LENGTH = 12;

export type NativeKeyKind = 'operator' | 'account' | 'user';

/** An nkey pair (operator, account or user) backed by Node's Ed25519; usable wherever @nats-io/jwt takes a KeyPair. */
export class NativeKeyPair implements KeyPair {
  private readonly privateKey: KeyObject;
  private readonly publicKeyObject: KeyObject;
  private readonly rawSeed: Buffer;
  private readonly rawPublicKey: Buffer;
  private readonly publicKey: string;

  /** Throws (without echoing it) on text that is not a valid seed. */
  constructor(private readonly seed: string) {
    const { role, rawSeed } = decodeSeed(seed);
    if (!(Object.values(NKEY_PREFIX) as number[]).includes(role) || role === NKEY_PREFIX.seed || role === NKEY_PREFIX.private) {
      throw new Error('not an operator, account or user seed');
    }
    this.rawSeed = rawSeed;
    this.privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, rawSeed]), format: 'der', type: 'pkcs8' });
    this.publicKeyObject = createPublicKey(this.privateKey);
    this.rawPublicKey = this.publicKeyObject.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX_LENGTH);
    this.publicKey = encodeNkey(role, this.rawPublicKey);
  }

  static create(kind: NativeKeyKind): NativeKeyPair {
    return new NativeKeyPair(encodeSeed(NKEY_PREFIX[kind], randomBytes(32)));
  }

  getPublicKey(): string {
    return this.publicKey;
  }
  /** nkeys' form: the 64-byte Ed25519 secret key (seed and public key) as a `P…` nkey. */
  getPrivateKey(): Uint8Array {
    return new TextEncoder().encode(encodeNkey(NKEY_PREFIX.private, Buffer.concat([this.rawSeed, this.rawPublicKey])));
  }
  getSeed(): Uint8Array {
    return new TextEncoder().encode(this.seed);
  }
  sign(input: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, input, this.privateKey));
  }
  verify(input: Uint8Array, signature: Uint8Array): boolean {
    return verify(null, input, this.publicKeyObject, signature);
  }
  /** Nothing to wipe reliably: the seed is a JS string (as it is in the bundle and the config). */
  clear(): void {}
  seal(): Uint8Array {
    throw new Error('seal() needs a curve (X…) key');
  }
  open(): Uint8Array | null {
    throw new Error('open() needs a curve (X…) key');
  }
}
