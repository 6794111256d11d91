// POST /v1/runners/enroll against a real control plane: the token is the only credential, every
// refusal has its own status and message, and a refused enrollment spends nothing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { credsText, decodeJwt } from '@switchyard/nats-auth';
import { enrollResponseSchema, runnerPermissions } from '@switchyard/protocol';
import { ApiKeyRole, startControlPlane, type TestControlPlane } from './harness.js';
import { createNodepool, createToken, enrollRequest, postEnroll, writeTestCa } from './runner-fixtures.js';

const RUNNERS = `query($filter: RunnerFilterInput) {
  runners(filter: $filter) { nodes { id name status capacity version publicKey labels { key value } nodepool { id } } }
}`;

describe('POST /v1/runners/enroll', () => {
  let cp: TestControlPlane;
  let operator: string;
  let viewer: string;
  let pool: string;

  beforeAll(async () => {
    cp = await startControlPlane();
    operator = await cp.keyFor(ApiKeyRole.OPERATOR);
    viewer = await cp.keyFor(ApiKeyRole.VIEWER);
    pool = await createNodepool(cp, 'on-prem-a');
  });
  afterAll(() => cp.close());

  const tokenRow = (id: string) => cp.prisma.enrollmentToken.findUniqueOrThrow({ where: { id } });

  it('enrolls a runner: JWT for its key with its own subjects, NATS URLs, inbox prefix; visible in GraphQL; audited', async () => {
    const token = await createToken(cp, operator, pool);
    const { body, key } = enrollRequest(token.token, { name: 'gpu-host-01' });

    const { status, json } = await postEnroll(cp, body);

    expect(status).toBe(201);
    const response = enrollResponseSchema.parse(json);
    expect(response.inboxPrefix).toBe(`_INBOX.${response.runnerId}`);
    expect(response.natsUrls).toEqual(cp.config.natsUrls);
    expect(response.caPem).toBeUndefined();
    const claims = decodeJwt<{ pub: unknown; sub: unknown; resp: unknown }>(response.userJwt);
    expect(claims.sub).toBe(key.getPublicKey());
    const { pub, sub, resp } = claims.nats as unknown as { pub: unknown; sub: unknown; resp: unknown };
    expect({ pub, sub, resp }).toEqual(runnerPermissions(response.runnerId));
    expect(claims.exp).toBe(Date.parse(response.jwtExpiresAt) / 1000);

    const listed = await cp.gql<{ runners: { nodes: Array<Record<string, unknown>> } }>(RUNNERS, { filter: { nodepoolId: pool } }, viewer);
    expect(listed.data?.runners.nodes).toContainEqual({
      id: response.runnerId,
      name: 'gpu-host-01',
      status: 'ENROLLED',
      capacity: 8,
      version: '0.1.0',
      publicKey: key.getPublicKey(),
      labels: [{ key: 'rack', value: 'b3' }],
      nodepool: { id: pool },
    });
    expect(await tokenRow(token.id)).toMatchObject({ usedByRunnerId: response.runnerId, usedAt: expect.any(Date) });

    const [event] = await cp.prisma.adminEvent.findMany({ where: { action: 'runner.enroll', targetId: response.runnerId } });
    const creator = await cp.prisma.enrollmentToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(event).toMatchObject({ actorKeyId: creator.createdByKeyId, actorName: `enrollment-token:${token.prefix}`, targetType: 'Runner' });
    expect(event?.actorKeyId).toEqual(expect.any(String));
    expect(JSON.stringify(event)).not.toContain(token.token.slice(token.prefix.length - 1));

    // The JWT works: the runner gets into the run's operator-mode nats-server with its own key.
    const nc = await connect({
      servers: cp.config.natsUrls[0],
      inboxPrefix: response.inboxPrefix,
      authenticator: credsAuthenticator(new TextEncoder().encode(credsText(response.userJwt, key))),
      maxReconnectAttempts: 0,
    });
    await nc.close();
  });

  it('refuses a reused, expired, revoked or unknown token with 401 and says which', async () => {
    const used = await createToken(cp, operator, pool);
    expect((await postEnroll(cp, enrollRequest(used.token).body)).status).toBe(201);

    const expired = await createToken(cp, operator, pool);
    await cp.prisma.enrollmentToken.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const revoked = await createToken(cp, operator, pool);
    await cp.prisma.enrollmentToken.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });

    const cases: Array<[string, string]> = [
      [used.token, 'This enrollment token has already been used'],
      [expired.token, 'This enrollment token has expired'],
      [revoked.token, 'This enrollment token has been revoked'],
      [`syet_${'x'.repeat(43)}`, 'Unknown enrollment token'],
    ];
    for (const [token, message] of cases) {
      const { status, json } = await postEnroll(cp, enrollRequest(token).body);
      expect([status, json]).toEqual([401, { error: { code: 'UNAUTHENTICATED', message } }]);
    }
    expect(await cp.prisma.runner.count({ where: { nodepoolId: pool, name: { startsWith: 'runner-' } } })).toBe(1);
  });

  it('refuses an old protocol version with 400 naming both versions, without spending the token', async () => {
    const token = await createToken(cp, operator, pool);

    const { status, json } = await postEnroll(cp, { ...enrollRequest(token.token).body, v: 0 });

    expect([status, json]).toEqual([
      400,
      { error: { code: 'PROTOCOL_ERROR', message: 'runner protocol version 0 is not supported: this control plane accepts 1 (upgrade switchyard-runner)' } },
    ]);
    expect((await tokenRow(token.id)).usedAt).toBeNull();
  });

  it('refuses a malformed body with 400 naming the field, and a body that is not JSON', async () => {
    const token = await createToken(cp, operator, pool);

    const badKey = await postEnroll(cp, { ...enrollRequest(token.token).body, publicKey: 'SUAFAKESEED' });
    expect(badKey.status).toBe(400);
    expect(badKey.json).toEqual({ error: { code: 'PROTOCOL_ERROR', message: expect.stringMatching(/^invalid enroll request: publicKey: must be a NATS user public key/) } });

    const notJson = await postEnroll(cp, '{"v": 1, "token": ');
    expect(notJson.status).toBe(400);
    expect(notJson.json).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
    expect((await tokenRow(token.id)).usedAt).toBeNull();
  });

  it('refuses a body above its own small limit with 413', async () => {
    const token = await createToken(cp, operator, pool);
    const { status, json } = await postEnroll(cp, enrollRequest(token.token, { labels: { padding: 'x'.repeat(17 * 1024) } }).body);
    expect(status).toBe(413);
    expect(json).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
  });

  it('refuses a name already taken in the nodepool with 409, and the token still works with another name', async () => {
    const first = await createToken(cp, operator, pool);
    expect((await postEnroll(cp, enrollRequest(first.token, { name: 'rack-b3-07' }).body)).status).toBe(201);
    const second = await createToken(cp, operator, pool);

    const clash = await postEnroll(cp, enrollRequest(second.token, { name: 'rack-b3-07' }).body);

    expect(clash.status).toBe(409);
    expect(clash.json).toEqual({
      error: {
        code: 'CONFLICT',
        message:
          'A runner named "rack-b3-07" already exists in this nodepool; enroll with another name (--name or the config\'s "name") or delete the old runner first',
      },
    });
    expect((await tokenRow(second.id)).usedAt).toBeNull();
    // Another nodepool may use the name; the unspent token enrolls under a new one.
    const otherPool = await createNodepool(cp, 'on-prem-b');
    expect((await postEnroll(cp, enrollRequest((await createToken(cp, operator, otherPool)).token, { name: 'rack-b3-07' }).body)).status).toBe(201);
    expect((await postEnroll(cp, enrollRequest(second.token, { name: 'rack-b3-08' }).body)).status).toBe(201);
  });

  it('refuses a public key that is already enrolled with 409', async () => {
    const first = await createToken(cp, operator, pool);
    const { body } = enrollRequest(first.token);
    expect((await postEnroll(cp, body)).status).toBe(201);
    const second = await createToken(cp, operator, pool);

    const again = await postEnroll(cp, { ...body, token: second.token, name: 'another-name' });

    expect(again.status).toBe(409);
    expect(again.json).toEqual({ error: { code: 'CONFLICT', message: 'This public key is already enrolled; every enrollment must use a fresh key pair' } });
  });

  it('lets exactly one of two concurrent enrollments with one token win', async () => {
    const token = await createToken(cp, operator, pool);
    const results = await Promise.all([postEnroll(cp, enrollRequest(token.token).body), postEnroll(cp, enrollRequest(token.token).body)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 401]);
  });
});

describe('POST /v1/runners/enroll with public NATS URLs and a CA configured', () => {
  let cp: TestControlPlane;
  let dir: string;
  let caFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'enroll-ca-'));
    caFile = writeTestCa(dir);
    cp = await startControlPlane({ SWITCHYARD_NATS_PUBLIC_URLS: 'tls://nats-1.example.com:4222, tls://nats-2.example.com:4222', SWITCHYARD_NATS_CA_FILE: caFile });
  });
  afterAll(async () => {
    await cp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands runners the public URLs and the CA certificate (and nothing else from the file)', async () => {
    const operator = await cp.keyFor(ApiKeyRole.OPERATOR);
    const token = await createToken(cp, operator, await createNodepool(cp, 'vpc-a'));

    const { status, json } = await postEnroll(cp, enrollRequest(token.token).body);

    expect(status).toBe(201);
    const response = enrollResponseSchema.parse(json);
    expect(response.natsUrls).toEqual(['tls://nats-1.example.com:4222', 'tls://nats-2.example.com:4222']);
    expect(response.caPem).toBe(readFileSync(caFile, 'utf8').trim() + '\n');
    expect(response.caPem).not.toContain('PRIVATE KEY');
  });
});
