import { createAccount, createOperator, createUser, fromSeed } from '@nats-io/jwt';
import { NativeKeyPair } from './native-key-pair.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('NativeKeyPair', () => {
  it('derives the same keys and signatures as @nats-io/nkeys (Ed25519 is deterministic)', () => {
    for (const reference of [createOperator(), createAccount(), createUser(), createUser()]) {
      const sut = new NativeKeyPair(text(reference.getSeed()));
      const input = new TextEncoder().encode(`payload for ${reference.getPublicKey()}`);
      expect(sut.getPublicKey()).toBe(reference.getPublicKey());
      expect(text(sut.getPrivateKey())).toBe(text(reference.getPrivateKey()));
      expect(text(sut.getSeed())).toBe(text(reference.getSeed()));
      expect(Buffer.from(sut.sign(input)).toString('hex')).toBe(Buffer.from(reference.sign(input)).toString('hex'));
      expect(sut.verify(input, reference.sign(input))).toBe(true);
      expect(sut.verify(new TextEncoder().encode('other'), reference.sign(input))).toBe(false);
    }
  });

  it('creates keys that nkeys reads back', () => {
    for (const [kind, letter] of [['operator', 'O'], ['account', 'A'], ['user', 'U']] as const) {
      const sut = NativeKeyPair.create(kind);
      expect(text(sut.getSeed())).toMatch(new RegExp(`^S${letter}[A-Z2-7]{56}$`));
      expect(sut.getPublicKey()).toMatch(new RegExp(`^${letter}[A-Z2-7]{55}$`));
      expect(fromSeed(sut.getSeed()).getPublicKey()).toBe(sut.getPublicKey());
    }
  });

  it('refuses a seed with a bad checksum, a public key and garbage', () => {
    const seed = text(createUser().getSeed());
    const flipped = seed.slice(0, 10) + (seed[10] === 'A' ? 'B' : 'A') + seed.slice(11);
    expect(() => new NativeKeyPair(flipped)).toThrow('bad checksum');
    expect(() => new NativeKeyPair(createUser().getPublicKey())).toThrow('not a seed');
    expect(() => new NativeKeyPair('hello!')).toThrow();
  });
});
