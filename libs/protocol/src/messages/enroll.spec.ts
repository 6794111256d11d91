import { enrollRequestSchema, enrollResponseSchema } from './enroll.js';

const RUNNER = '0190a8e4-5c1e-7b2a-9d3f-1234567890ab';
const PUBLIC_KEY = `U${'A2B3C4D5E6F7G'.repeat(5).slice(0, 55)}`;

const request = {
  v: 1,
  token: 'sy_enroll_abc',
  publicKey: PUBLIC_KEY,
  name: 'gpu-host-1',
  hostname: 'gpu-host-1.lab.example',
  softwareVersion: '0.1.0',
  capacity: 8,
  labels: { rack: 'r12' },
};

const response = {
  v: 1,
  runnerId: RUNNER,
  userJwt: 'eyJhbGciOiJlZDI1NTE5In0.eyJzdWIiOiJVIn0.c2ln',
  natsUrls: ['tls://nats.example:4222', 'nats://127.0.0.1:4222'],
  caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  jwtExpiresAt: '2030-01-01T00:00:00.000Z',
  inboxPrefix: `_INBOX.${RUNNER}`,
};

const problemPaths = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[] }> } }) =>
  result.error?.issues.map((issue) => issue.path.join('.')) ?? [];

describe('enroll request', () => {
  it('accepts a runner with its public key, name, host, version, capacity and labels', () => {
    expect(enrollRequestSchema.parse(request)).toEqual(request);
  });

  it.each([
    ['a seed instead of a public key', { publicKey: `SU${PUBLIC_KEY.slice(2)}` }, 'publicKey'],
    ['an account key', { publicKey: `A${PUBLIC_KEY.slice(1)}` }, 'publicKey'],
    ['a short key', { publicKey: PUBLIC_KEY.slice(0, 55) }, 'publicKey'],
    ['a key outside base32', { publicKey: `U${'1'.repeat(55)}` }, 'publicKey'],
    ['an empty token', { token: '' }, 'token'],
    ['a name with a space', { name: 'gpu host' }, 'name'],
    ['a negative capacity', { capacity: -1 }, 'capacity'],
    ['a label value that is not a string', { labels: { rack: 12 } }, 'labels.rack'],
  ])('refuses %s', (_, change, path) => {
    expect(problemPaths(enrollRequestSchema.safeParse({ ...request, ...change }))).toEqual([path]);
  });
});

describe('enroll response', () => {
  it('accepts the credential bundle, with or without a CA', () => {
    expect(enrollResponseSchema.parse(response)).toEqual(response);
    const { caPem: _caPem, ...withoutCa } = response;
    expect(enrollResponseSchema.safeParse(withoutCa).success).toBe(true);
  });

  it.each([
    ['an inbox prefix other than _INBOX.<runnerId> (the JWT would deny every reply)', { inboxPrefix: '_INBOX' }, 'inboxPrefix'],
    ['an http URL for NATS', { natsUrls: ['http://nats.example:4222'] }, 'natsUrls.0'],
    ['no NATS URL', { natsUrls: [] }, 'natsUrls'],
    ['a JWT that is not three base64url parts', { userJwt: 'not-a-jwt' }, 'userJwt'],
    ['a CA that is not PEM', { caPem: 'MIIB' }, 'caPem'],
    ['an expiry without a time zone', { jwtExpiresAt: '2030-01-01T00:00:00' }, 'jwtExpiresAt'],
    ['a runner id with a dot', { runnerId: 'a.b', inboxPrefix: '_INBOX.a.b' }, 'runnerId'],
  ])('refuses %s', (_, change, path) => {
    expect(problemPaths(enrollResponseSchema.safeParse({ ...response, ...change }))).toEqual([path]);
  });
});
