import { createAccount, createOperator, decode, encodeAccount } from '@nats-io/jwt';
import { decodeJwt } from './jwt-decode.js';

describe('decodeJwt', () => {
  let jwt: string;
  beforeAll(async () => {
    jwt = await encodeAccount('APP', createAccount().getPublicKey(), { limits: { conn: -1 } }, { signer: createOperator() });
  });

  it('returns what @nats-io/jwt decode() returns for a valid JWT', () => {
    expect(decodeJwt(jwt)).toEqual(decode(jwt));
  });

  it('refuses changed claims, a foreign signature and garbage', () => {
    const [header, claims, signature] = jwt.split('.') as [string, string, string];
    const changed = Buffer.from(Buffer.from(claims, 'base64url').toString().replace('"APP"', '"EVE"')).toString('base64url');
    expect(() => decodeJwt(`${header}.${changed}.${signature}`)).toThrow('sig verification failed');
    const flipped = Buffer.from(signature, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => decodeJwt(`${header}.${claims}.${flipped.toString('base64url')}`)).toThrow('sig verification failed');
    expect(() => decodeJwt('a.b')).toThrow('invalid jwt - 2 chunks');
    expect(() => decodeJwt(`${Buffer.from('{"typ":"JWT","alg":"HS256"}').toString('base64url')}.${claims}.${signature}`)).toThrow('alg HS256');
  });
});
