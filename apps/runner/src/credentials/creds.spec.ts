import { createUser } from '@nats-io/nkeys';
import { credsAuthenticator } from '@nats-io/transport-node';
import { formatCreds, jwtTimes, parseCreds } from './creds.js';

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const JWT = `${part({ typ: 'JWT', alg: 'ed25519-nkey' })}.${part({ iat: 1_700_000_000, exp: 1_700_003_600, sub: 'U' })}.c2ln`;

describe('runner creds', () => {
  it('formats what it parses, in the shape credsAuthenticator reads', () => {
    const seed = new TextDecoder().decode(createUser().getSeed());
    const text = formatCreds({ jwt: JWT, seed });

    expect(parseCreds(text)).toEqual({ jwt: JWT, seed });
    const auth = credsAuthenticator(new TextEncoder().encode(text))('nonce');
    expect(auth).toMatchObject({ jwt: JWT });
  });

  it('says what is missing without quoting the file', () => {
    expect(String(parseCreds('nothing here'))).toBe('Error: no NATS user JWT block in it');
    const withoutSeed = `-----BEGIN NATS USER JWT-----\n${JWT}\n------END NATS USER JWT------\n`;
    expect(String(parseCreds(withoutSeed))).toBe('Error: no user nkey seed block in it');
  });

  it('reads issue and expiry times from the JWT', () => {
    expect(jwtTimes(JWT)).toEqual({ issuedAt: new Date(1_700_000_000_000), expiresAt: new Date(1_700_003_600_000) });
    expect(() => jwtTimes('not-a-jwt')).toThrow('not a JWT');
  });
});
