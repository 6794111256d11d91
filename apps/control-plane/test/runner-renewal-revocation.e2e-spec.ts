// Renewal over NATS and revocation over GraphQL, against a nats-server of this file's own (revocations
// rewrite the APP account JWT, which no other test should see).
import type { KeyPair } from '@nats-io/jwt';
import { connect, credsAuthenticator, type NatsConnection, type Status } from '@nats-io/transport-node';
import type { NatsHandle } from '@switchyard/devstack';
import { credsText, decodeJwt } from '@switchyard/nats-auth';
import {
  decode,
  encode,
  enrollResponseSchema,
  renewRequestSchema,
  renewResponseSchema,
  RUNNER_PROTOCOL_VERSION,
  subjects,
  type RenewResponse,
} from '@switchyard/protocol';
import { NatsLink } from '../src/connections/nats-link.js';
import { RunnerRenewalResponder } from '../src/enrollment/runner-renewal.responder.js';
import { ApiKeyRole, codesOf, type TestControlPlane } from './harness.js';
import { startControlPlaneOnOwnNats, type OwnNatsControlPlane } from './own-nats.js';
import { createNodepool, createToken, enrollRequest, postEnroll } from './runner-fixtures.js';

const SLOW = 30_000;
const REVOKE = `mutation($id: ID!) { revokeRunner(id: $id) { id status revokedAt } }`;

interface Enrolled {
  runnerId: string;
  key: KeyPair;
  jwt: string;
  expiresAt: string;
}

describe('runner JWT renewal and revocation', () => {
  let own: OwnNatsControlPlane;
  let nats: NatsHandle;
  let cp: TestControlPlane;
  let operator: string;
  let pool: string;
  let cpNats: NatsConnection;
  const open: NatsConnection[] = [];

  beforeAll(async () => {
    own = await startControlPlaneOnOwnNats('renewal-e2e');
    ({ cp, nats } = own);
    operator = await cp.keyFor(ApiKeyRole.OPERATOR);
    pool = await createNodepool(cp, 'on-prem');
    cpNats = await cp.app.get(NatsLink).connected(5_000);
    await cp.app.get(RunnerRenewalResponder).ready();
  }, SLOW);
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((nc) => nc.close()));
  });
  afterAll(async () => {
    await own?.close();
  });

  const enroll = async (): Promise<Enrolled> => {
    const { token } = await createToken(cp, operator, pool);
    const { body, key } = enrollRequest(token);
    const { status, json } = await postEnroll(cp, body);
    expect(status).toBe(201);
    const response = enrollResponseSchema.parse(json);
    return { runnerId: response.runnerId, key, jwt: response.userJwt, expiresAt: response.jwtExpiresAt };
  };

  const connectAs = async (runner: Enrolled, jwt = runner.jwt): Promise<{ nc: NatsConnection; statuses: Status[] }> => {
    const nc = await connect({
      servers: nats.url,
      inboxPrefix: subjects.runnerInboxPrefix(runner.runnerId),
      authenticator: credsAuthenticator(new TextEncoder().encode(credsText(jwt, runner.key))),
      maxReconnectAttempts: 2,
      reconnectTimeWait: 50,
    });
    open.push(nc);
    const statuses: Status[] = [];
    void (async () => {
      for await (const status of nc.status()) statuses.push(status);
    })();
    return { nc, statuses };
  };

  /** A renew request on the runner's subject, sent by `nc` (the runner itself, or the control plane's connection). */
  const renew = async (nc: NatsConnection, runner: Enrolled, publicKey?: string): Promise<RenewResponse> => {
    const request = encode(renewRequestSchema, { v: RUNNER_PROTOCOL_VERSION, currentJwtExpiresAt: runner.expiresAt, ...(publicKey ? { publicKey } : {}) });
    // Generous: the whole suite shares two cores; the answer, not its speed, is under test.
    const reply = await nc.request(subjects.cpRenew(runner.runnerId), request, { timeout: 15_000 });
    return decode(renewResponseSchema, reply.data);
  };

  it('renews over NATS with a fresh JWT for the enrolled key that connects', async () => {
    const runner = await enroll();
    const { nc } = await connectAs(runner);

    const response = await renew(nc, runner, runner.key.getPublicKey());

    if (response.status !== 'renewed') throw new Error(`expected renewed, got ${JSON.stringify(response)}`);
    expect(decodeJwt(response.userJwt).sub).toBe(runner.key.getPublicKey());
    expect(Date.parse(response.jwtExpiresAt)).toBeGreaterThanOrEqual(Date.parse(runner.expiresAt));
    const renewed = await connectAs(runner, response.userJwt);
    expect(renewed.nc.isClosed()).toBe(false);
  }, SLOW);

  it('refuses a key other than the enrolled one, a fenced runner and an unknown runner', async () => {
    const runner = await enroll();
    const { nc } = await connectAs(runner);
    const other = enrollRequest('unused').key.getPublicKey();
    expect(await renew(nc, runner, other)).toMatchObject({ status: 'refused', error: { code: 'UNKNOWN_RUNNER', message: expect.stringMatching(/not the one it enrolled with/) } });

    await cp.prisma.runner.update({ where: { id: runner.runnerId }, data: { fencedAt: new Date() } });
    expect(await renew(nc, runner)).toMatchObject({ status: 'refused', error: { code: 'FENCED' } });

    const unknown = { ...runner, runnerId: '0190b6a2-0000-7000-8000-00000000beef' };
    expect(await renew(cpNats, unknown)).toMatchObject({ status: 'refused', error: { code: 'UNKNOWN_RUNNER' } });
  }, SLOW);

  it('does not answer a renew request of an unsupported protocol version', async () => {
    const runner = await enroll();
    const { nc } = await connectAs(runner);
    const request = new TextEncoder().encode(JSON.stringify({ v: 0, currentJwtExpiresAt: runner.expiresAt }));
    await expect(nc.request(subjects.cpRenew(runner.runnerId), request, { timeout: 500 })).rejects.toThrow(/timeout/i);
  }, SLOW);

  it('revokeRunner: OFFLINE, audited, the live connection cut, reconnects and renewals refused', async () => {
    const runner = await enroll();
    const live = await connectAs(runner);

    const started = performance.now();
    const revoked = await cp.gql<{ revokeRunner: { id: string; status: string; revokedAt: string } }>(REVOKE, { id: runner.runnerId }, operator);
    // Cut by the server itself (the account JWT's revocation), not by the runner's going away. How
    // fast is a figure, not a pass condition (it took 2 s on a loaded CI run): printed, not asserted.
    await waitFor(() => live.statuses.some((s) => s.type === 'error' && /revoked/i.test(s.error.message)), 15_000, 'the runner to be cut');
    console.log(`revokeRunner → live connection cut in ${Math.round(performance.now() - started)} ms`);

    expect(revoked.errors).toBeUndefined();
    expect(revoked.data?.revokeRunner).toMatchObject({ id: runner.runnerId, status: 'OFFLINE', revokedAt: expect.any(String) });
    await expect(connectAs(runner)).rejects.toThrow(/Authorization Violation/);
    // The runner's own connection is gone; the control plane's may still ask on its subject.
    expect(await renew(cpNats, runner)).toMatchObject({ status: 'refused', error: { code: 'REVOKED' } });

    const events = await cp.prisma.adminEvent.findMany({ where: { action: 'runner.revoke', targetId: runner.runnerId } });
    expect(events).toHaveLength(1);
    expect(events[0]?.actorName).toBe('test-operator');

    // Revoking again is harmless and keeps the first time.
    const again = await cp.gql<{ revokeRunner: { revokedAt: string } }>(REVOKE, { id: runner.runnerId }, operator);
    expect(again.data?.revokeRunner.revokedAt).toBe(revoked.data?.revokeRunner.revokedAt);
  }, SLOW);

  it('never lets a renewal racing a revocation escape it', async () => {
    for (let round = 0; round < 3; round++) {
      const runner = await enroll();
      const { nc } = await connectAs(runner);
      const [renewal] = await Promise.all([renew(nc, runner).catch((error: Error) => error), cp.gql(REVOKE, { id: runner.runnerId }, operator)]);
      if (!(renewal instanceof Error) && renewal.status === 'renewed') {
        await expect(connectAs(runner, renewal.userJwt)).rejects.toThrow(/Authorization Violation/);
      }
    }
  }, SLOW);

  it('lets only operators revoke, and says when the runner does not exist', async () => {
    const runner = await enroll();
    const viewer = await cp.keyFor(ApiKeyRole.VIEWER);
    expect(codesOf(await cp.gql(REVOKE, { id: runner.runnerId }, viewer))).toEqual(['FORBIDDEN']);
    expect(codesOf(await cp.gql(REVOKE, { id: '0190b6a2-0000-7000-8000-00000000dead' }, operator))).toEqual(['NOT_FOUND']);
    expect((await cp.prisma.runner.findUniqueOrThrow({ where: { id: runner.runnerId } })).revokedAt).toBeNull();
  }, SLOW);
});

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
