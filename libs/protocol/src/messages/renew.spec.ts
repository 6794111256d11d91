import { renewRequestSchema, renewResponseSchema } from './renew.js';

const JWT = 'eyJhbGciOiJlZDI1NTE5In0.eyJzdWIiOiJVIn0.c2ln';

describe('renew', () => {
  it('asks with the current expiry and gets a new JWT or a refusal', () => {
    expect(renewRequestSchema.safeParse({ v: 1, currentJwtExpiresAt: '2030-01-01T00:00:00Z' }).success).toBe(true);
    const publicKey = `U${'A'.repeat(55)}`;
    expect(renewRequestSchema.parse({ v: 1, currentJwtExpiresAt: '2030-01-01T00:00:00Z', publicKey })).toMatchObject({ publicKey });
    expect(renewRequestSchema.safeParse({ v: 1, currentJwtExpiresAt: '2030-01-01T00:00:00Z', publicKey: 'SUAB' }).success).toBe(false);
    expect(renewResponseSchema.safeParse({ v: 1, status: 'renewed', userJwt: JWT, jwtExpiresAt: '2030-01-02T00:00:00Z' }).success).toBe(true);
    expect(renewResponseSchema.safeParse({ v: 1, status: 'refused', error: { code: 'REVOKED', message: 'runner revoked by admin' } }).success).toBe(true);
  });

  it.each([
    ['a renewal without a JWT', { v: 1, status: 'renewed', jwtExpiresAt: '2030-01-02T00:00:00Z' }],
    ['a refusal with an unknown code', { v: 1, status: 'refused', error: { code: 'NOPE', message: 'm' } }],
    ['an unknown status', { v: 1, status: 'maybe' }],
  ])('refuses %s', (_, message) => {
    expect(renewResponseSchema.safeParse(message).success).toBe(false);
  });
});
