import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import type { RunnerConfig } from '../config/runner-config.js';
import { parseCreds } from '../credentials/creds.js';
import { enroll, EnrollError, type EnrollParams } from './enroll.js';
import type { JsonResponse } from './post-json.js';

const RUNNER_ID = '0190b6a2-0000-7000-8000-000000000001';
const JWT = 'eyJ0eXAiOiJKV1QifQ.eyJpYXQiOjF9.c2ln';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const answer = (overrides: Record<string, unknown> = {}): JsonResponse => ({
  status: 201,
  json: { v: 1, runnerId: RUNNER_ID, userJwt: JWT, natsUrls: ['tls://nats.example.com:4222'], caPem: CA, jwtExpiresAt: '2030-01-01T00:00:00.000Z', inboxPrefix: `_INBOX.${RUNNER_ID}`, ...overrides },
});

describe('enroll', () => {
  let dataDir: string;
  let sent: Array<{ url: string; body: Record<string, unknown> }>;

  beforeEach(() => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'enroll-')), 'data');
    sent = [];
  });
  afterEach(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  const params = (reply: JsonResponse | Error, overrides: Partial<EnrollParams> = {}): EnrollParams => {
    const config: RunnerConfig = {
      configPath: '/etc/switchyard/runner.json',
      controlPlaneUrl: 'https://cp.example.com/switchyard',
      dataDir,
      name: 'gpu-01',
      capacity: 8,
      labels: { rack: 'b3' },
      natsUrls: null,
      tls: { caFile: null },
      logLevel: 'info',
      heartbeatSeconds: 5,
      drainGraceSeconds: 30,
    };
    return {
      url: new URL('https://cp.example.com/switchyard'),
      token: 'syet_secret',
      config,
      hostname: 'gpu-01.example.com',
      softwareVersion: '0.1.0',
      force: false,
      post: async (url, body) => {
        sent.push({ url: url.href, body: body as Record<string, unknown> });
        if (reply instanceof Error) throw reply;
        return reply;
      },
      now: () => new Date('2026-05-04T10:00:00Z'),
      ...overrides,
    };
  };

  it('sends only the public key with the token, and writes creds, CA and identity 0600 in a 0700 directory', async () => {
    const key = createUser();
    const { identity } = await enroll(params(answer(), { createKeyPair: () => key }));

    expect(sent).toEqual([
      {
        url: 'https://cp.example.com/switchyard/v1/runners/enroll',
        body: { v: 1, token: 'syet_secret', publicKey: key.getPublicKey(), name: 'gpu-01', hostname: 'gpu-01.example.com', softwareVersion: '0.1.0', capacity: 8, labels: { rack: 'b3' } },
      },
    ]);
    expect(JSON.stringify(sent)).not.toContain(new TextDecoder().decode(key.getSeed()));
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const file of ['identity.json', 'runner.creds', 'nats-ca.pem']) expect(statSync(join(dataDir, file)).mode & 0o777).toBe(0o600);
    expect(parseCreds(readFileSync(join(dataDir, 'runner.creds'), 'utf8'))).toEqual({ jwt: JWT, seed: new TextDecoder().decode(key.getSeed()) });
    expect(readFileSync(join(dataDir, 'nats-ca.pem'), 'utf8')).toBe(CA);
    expect(JSON.parse(readFileSync(join(dataDir, 'identity.json'), 'utf8'))).toEqual(identity);
    expect(identity).toEqual({
      runnerId: RUNNER_ID,
      name: 'gpu-01',
      publicKey: key.getPublicKey(),
      controlPlaneUrl: 'https://cp.example.com/switchyard',
      natsUrls: ['tls://nats.example.com:4222'],
      enrolledAt: '2026-05-04T10:00:00.000Z',
    });
  });

  it('refuses an enrolled host unless forced; forced, it drops a CA the new answer does not carry', async () => {
    await enroll(params(answer()));
    await expect(enroll(params(answer()))).rejects.toThrow(`this host is already enrolled as runner ${RUNNER_ID} (${join(dataDir, 'identity.json')})`);

    const { caPem: _ca, ...withoutCa } = answer().json as Record<string, unknown>;
    await enroll(params({ status: 201, json: withoutCa }, { force: true }));
    expect(existsSync(join(dataDir, 'nats-ca.pem'))).toBe(false);
  });

  it('turns refusals, unreachable servers and odd answers into one line each, writing nothing', async () => {
    const refused = { status: 401, json: { error: { code: 'UNAUTHENTICATED', message: 'This enrollment token has expired' } } };
    await expect(enroll(params(refused))).rejects.toThrow(new EnrollError('enrollment refused (HTTP 401 UNAUTHENTICATED): This enrollment token has expired'));
    await expect(enroll(params({ status: 502, json: undefined }))).rejects.toThrow(
      'enrollment failed: the control plane answered HTTP 502 without an error message (is --url the control plane?)',
    );
    const unreachable = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:443'), { code: 'ECONNREFUSED' });
    await expect(enroll(params(unreachable))).rejects.toThrow('cannot reach the control plane at https://cp.example.com: ECONNREFUSED connect ECONNREFUSED 10.0.0.5:443');
    await expect(enroll(params(answer({ inboxPrefix: '_INBOX.other' })))).rejects.toThrow(/not a valid enroll response: .*inboxPrefix: must be _INBOX.<runnerId>/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('checks the identity left by an earlier run even when it is unreadable', async () => {
    await enroll(params(answer()));
    writeFileSync(join(dataDir, 'identity.json'), 'not json');
    await expect(enroll(params(answer()))).rejects.toThrow('already enrolled as runner unknown');
  });
});
