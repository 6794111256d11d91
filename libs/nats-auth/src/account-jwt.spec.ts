import { createAccount, createOperator, createUser, encodeAccount } from '@nats-io/jwt';
import { decodeAccountJwt, signAccountJwt, withRevocation } from './account-jwt.js';
import { seedText } from './keys.js';
import { UNLIMITED_ACCOUNT_LIMITS } from './limits.js';

describe('account JWTs', () => {
  it('signs the full state with the operator signing key and decodes it back', async () => {
    const signer = createOperator();
    const account = createAccount().getPublicKey();
    const signingKey = createAccount().getPublicKey();
    const revoked = createUser().getPublicKey();
    const state = { name: 'APP', publicKey: account, limits: { ...UNLIMITED_ACCOUNT_LIMITS }, signingKeys: [signingKey], revocations: { [revoked]: 1_700_000_000 } };

    const decoded = decodeAccountJwt(await signAccountJwt(state, seedText(signer)));
    expect(decoded).toMatchObject(state);
    expect(decoded.issuer).toBe(signer.getPublicKey());
    expect(decoded.issuedAt).toBeGreaterThan(1_700_000_000);
  });

  it('refuses to sign with anything but an operator seed', async () => {
    const state = { name: 'APP', publicKey: createAccount().getPublicKey(), limits: {}, signingKeys: [], revocations: {} };
    const accountSeed = seedText(createAccount());
    const attempt = signAccountJwt(state, accountSeed);
    await expect(attempt).rejects.toThrow('not a valid operator seed (expected SO…)');
    await attempt.catch((error: Error) => expect(error.message).not.toContain(accountSeed));
  });

  it('refuses nested limits instead of dropping them on the next re-sign', async () => {
    const signer = createOperator();
    const jwt = await encodeAccount('APP', createAccount().getPublicKey(), { limits: { conn: -1, tiered_limits: { R1: { streams: 1 } } } }, { signer });
    expect(() => decodeAccountJwt(jwt)).toThrow('account limit "tiered_limits" is not a number or flag');
  });

  it('refuses a JWT that is not an account JWT', async () => {
    const { signUserJwt } = await import('./user-jwt.js');
    const jwt = await signUserJwt({ name: 'u', userPublicKey: createUser().getPublicKey(), accountPublicKey: createAccount().getPublicKey(), accountSigningSeed: seedText(createAccount()) });
    expect(() => decodeAccountJwt(jwt)).toThrow('not an account JWT (type user)');
  });
});

describe('withRevocation', () => {
  it('adds a key and keeps every earlier one', () => {
    expect(withRevocation({ UA: 10 }, 'UB', 20)).toEqual({ UA: 10, UB: 20 });
  });

  it('never moves a revocation earlier (a later one covers more JWTs)', () => {
    expect(withRevocation({ UA: 30 }, 'UA', 20)).toEqual({ UA: 30 });
    expect(withRevocation({ UA: 10 }, 'UA', 20)).toEqual({ UA: 20 });
  });
});
