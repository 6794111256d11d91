import { createAccount, createUser, decode, type ClaimsData, type User } from '@nats-io/jwt';
import { seedText } from './keys.js';
import { createUserCreds, signUserJwt, userClaimsOfCreds } from './user-jwt.js';

describe('signUserJwt', () => {
  const account = createAccount().getPublicKey();
  const signing = createAccount();

  it('signs a user for a public key with the account signing key, with permissions and expiry', async () => {
    const user = createUser().getPublicKey();
    const permissions = { sub: { allow: ['a.>'] }, pub: { allow: ['b.>'] }, resp: { max: 1, ttl: 0 } };
    const expiresAt = new Date(Date.now() + 60_000);
    const jwt = await signUserJwt({ name: 'runner-1', userPublicKey: user, accountPublicKey: account, accountSigningSeed: seedText(signing), permissions, expiresAt });
    const claims = decode<User>(jwt) as ClaimsData<User>;
    expect(claims).toMatchObject({ name: 'runner-1', sub: user, iss: signing.getPublicKey(), exp: Math.floor(expiresAt.getTime() / 1000) });
    expect(claims.nats).toMatchObject({ ...permissions, issuer_account: account, type: 'user' });
  });

  it('refuses a seed of the wrong kind without echoing it', async () => {
    const userSeed = seedText(createUser());
    const attempt = signUserJwt({ name: 'x', userPublicKey: createUser().getPublicKey(), accountPublicKey: account, accountSigningSeed: userSeed });
    await expect(attempt).rejects.toThrow('not a valid account seed (expected SA…)');
    await attempt.catch((error: Error) => expect(error.message).not.toContain(userSeed));
  });
});

describe('creds', () => {
  it('round-trips a new user through creds text', async () => {
    const creds = await createUserCreds({ name: 'cp', accountPublicKey: createAccount().getPublicKey(), accountSigningSeed: seedText(createAccount()) });
    expect(creds).toMatch(/-----BEGIN USER NKEY SEED-----\nSU/);
    const claims = userClaimsOfCreds(creds);
    expect(claims).not.toBeInstanceOf(Error);
    expect((claims as ClaimsData<User>).name).toBe('cp');
  });

  it('says what is wrong with broken creds', async () => {
    expect(userClaimsOfCreds('hello')).toEqual(new Error('no "BEGIN NATS USER JWT" block'));
    const creds = await createUserCreds({ name: 'cp', accountPublicKey: createAccount().getPublicKey(), accountSigningSeed: seedText(createAccount()) });
    expect(userClaimsOfCreds(creds.replace(/(-----BEGIN USER NKEY SEED-----\n)SU[A-Z2-7]+/, '$1'))).toEqual(new Error('no user seed block'));
    expect((userClaimsOfCreds(creds.replace(/\.([\w-]{8})/, '.AAAAAAAA')) as Error).message).toMatch(/does not verify|JSON|Unexpected/);
  });
});
