// Runner credentials against a real nats-server 2.9 in operator (JWT) mode: permissions, expiry,
// revocation and its serialization. This file runs its own nats-server (its own bundle and
// resolver dir) so that pushing account JWTs and restarting the server touch no other test.
import { randomUUID } from 'node:crypto';
import { createUser, type KeyPair } from '@nats-io/jwt';
import { connect, credsAuthenticator, PermissionViolationError, type NatsConnection, type Status } from '@nats-io/transport-node';
import { createPrismaClient } from '@switchyard/db';
import type { NatsHandle } from '@switchyard/devstack';
import { credsText, decodeAccountJwt, type NatsAuthBundle } from '@switchyard/nats-auth';
import { pino } from 'pino';
import { NatsLink } from '../src/connections/nats-link.js';
import { NatsAccountStateRepository } from '../src/nats-auth/nats-account-state.repository.js';
import { RunnerCredentialsService } from '../src/nats-auth/runner-credentials.service.js';
import { SystemNatsLink } from '../src/nats-auth/system-nats-link.js';
import type { TestControlPlane } from './harness.js';
import { startControlPlaneOnOwnNats, type OwnNatsControlPlane } from './own-nats.js';

// Beyond jest's default: the file starts a nats-server and a control plane, and one test waits
// for a JWT to expire.
const SLOW = 30_000;
const silent = pino({ level: 'silent' });

interface Runner {
  id: string;
  key: KeyPair;
  jwt: string;
  expiresAt: Date;
}

/** A connection plus every status event it has seen, to wait on. */
interface Watched {
  nc: NatsConnection;
  events: Status[];
  waitFor(match: (status: Status) => boolean, timeoutMs: number): Promise<Status>;
}

function watch(nc: NatsConnection): Watched {
  const events: Status[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    for await (const status of nc.status()) {
      events.push(status);
      for (const wake of waiters) wake();
    }
  })();
  return {
    nc,
    events,
    waitFor(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching status within ${timeoutMs} ms; saw ${JSON.stringify(events.map((e) => ({ type: e.type, error: 'error' in e ? e.error.message : undefined })))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

const isError = (pattern: RegExp) => (status: Status) => status.type === 'error' && pattern.test(status.error.message);
const settle = <T>(promise: Promise<T>): Promise<T | Error> => promise.then((value) => value, (error: Error) => error);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runner NATS credentials (operator mode)', () => {
  let own: OwnNatsControlPlane;
  let bundle: NatsAuthBundle;
  let nats: NatsHandle;
  let cp: TestControlPlane;
  let credentials: RunnerCredentialsService;
  let controlPlaneNats: NatsConnection;
  const open: NatsConnection[] = [];

  const newRunner = async (ttlSeconds?: number, now?: Date): Promise<Runner> => {
    const id = randomUUID();
    const key = createUser();
    const { jwt, expiresAt } = await credentials.issueRunnerJwt({ runnerId: id, runnerPublicKey: key.getPublicKey(), ttlSeconds }, now);
    return { id, key, jwt, expiresAt };
  };

  /** Connects as the runner would: its own creds and inbox prefix. */
  const connectRunner = async (runner: Runner, maxReconnectAttempts = 0): Promise<Watched> => {
    const nc = await connect({
      servers: nats.url,
      name: `runner-${runner.id}`,
      inboxPrefix: `_INBOX.${runner.id}`,
      authenticator: credsAuthenticator(new TextEncoder().encode(credsText(runner.jwt, runner.key))),
      maxReconnectAttempts,
      reconnectTimeWait: 100,
      reconnectJitter: 0,
      timeout: 3_000,
    });
    open.push(nc);
    return watch(nc);
  };

  const serverAccountJwt = async () =>
    decodeAccountJwt(await cp.app.get(SystemNatsLink).lookupAccountJwt(bundle.appAccount.publicKey));
  const storedState = async () => cp.app.get(NatsAccountStateRepository).find(bundle.appAccount.publicKey);

  beforeAll(async () => {
    own = await startControlPlaneOnOwnNats('nats-auth-e2e');
    ({ cp, nats, bundle } = own);
    credentials = cp.app.get(RunnerCredentialsService);
    controlPlaneNats = await cp.app.get(NatsLink).connected(5_000);
  }, SLOW);

  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((nc) => nc.close()));
  });

  afterAll(async () => {
    await own?.close();
  });

  it('lets runner A subscribe to its own subjects and refuses another runner\'s', async () => {
    const a = await newRunner();
    const b = await newRunner();
    const runner = await connectRunner(a);

    const own = runner.nc.subscribe(`sy.run.${a.id}.>`, { max: 1 });
    const foreign = runner.nc.subscribe(`sy.run.${b.id}.>`);
    const foreignInbox = runner.nc.subscribe(`_INBOX.${b.id}.>`);
    await runner.nc.flush();
    controlPlaneNats.publish(`sy.run.${a.id}.ctl`, 'assignment');
    for await (const message of own) expect(message.string()).toBe('assignment');

    for (const sub of [foreign, foreignInbox]) {
      const closedWith = await settle(sub.closed);
      expect(closedWith).toBeInstanceOf(PermissionViolationError);
      expect((closedWith as PermissionViolationError).operation).toBe('subscription');
    }
    // A violation does not disconnect: the runner keeps working.
    expect(runner.nc.isClosed()).toBe(false);
  }, SLOW);

  it('drops a publish to another runner\'s subject, visible only through status()', async () => {
    const a = await newRunner();
    const b = await newRunner();
    const runner = await connectRunner(a);
    const received: string[] = [];
    const heartbeats = controlPlaneNats.subscribe('sy.cp.*.hb', {
      callback: (_error, message) => {
        received.push(message.subject);
      },
    });
    await controlPlaneNats.flush();

    // Neither publish throws: the denied one shows up as a status error.
    runner.nc.publish(`sy.cp.${b.id}.hb`, 'spoofed');
    runner.nc.publish(`sy.cp.${a.id}.hb`, 'mine');
    await runner.nc.flush();
    const denied = await runner.waitFor((s) => s.type === 'error' && s.error instanceof PermissionViolationError, 2_000);
    await sleep(200);
    heartbeats.unsubscribe();

    expect(received).toEqual([`sy.cp.${a.id}.hb`]);
    const error = denied.type === 'error' ? denied.error : undefined;
    expect(error).toBeInstanceOf(PermissionViolationError);
    expect([(error as PermissionViolationError).operation, (error as PermissionViolationError).subject]).toEqual(['publish', `sy.cp.${b.id}.hb`]);
  }, SLOW);

  it('answers a control-plane request to sy.run.A.call with exactly one reply', async () => {
    const a = await newRunner();
    const runner = await connectRunner(a);
    runner.nc.subscribe(`sy.run.${a.id}.call`, {
      callback: (_error, message) => {
        message.respond(`pong from ${a.id}`);
        message.respond('a second reply'); // resp { max: 1 }: the server drops this one
      },
    });
    await runner.nc.flush();

    const replies: string[] = [];
    for await (const reply of await controlPlaneNats.requestMany(`sy.run.${a.id}.call`, 'ping', { strategy: 'timer', maxWait: 500 })) {
      replies.push(reply.string());
    }
    expect(replies).toEqual([`pong from ${a.id}`]);
    await runner.waitFor((s) => s.type === 'error' && s.error instanceof PermissionViolationError && s.error.operation === 'publish', 2_000);
  }, SLOW);

  it('refuses an expired JWT, and closes a live connection when its JWT expires', async () => {
    const expired = await newRunner(60, new Date(Date.now() - 3_600_000));
    expect(String(await settle(connectRunner(expired)))).toMatch(/Authorization Violation|expired/i);

    const shortLived = await newRunner(2);
    const runner = await connectRunner(shortLived);
    expect(runner.nc.isClosed()).toBe(false);
    // The server says why it closes the connection; closed() then reports whatever ended the client.
    await runner.waitFor(isError(/expired/i), 4_000);
    await runner.nc.closed();
    expect(Date.now()).toBeGreaterThanOrEqual(shortLived.expiresAt.getTime() - 50);
    // nats-server compares whole seconds (exp < now): a connect within the exp second itself still
    // gets in, so try once that second is over.
    await sleep(shortLived.expiresAt.getTime() + 1_000 - Date.now());
    expect(String(await settle(connectRunner(shortLived)))).toMatch(/Authorization Violation|expired/i);
  }, SLOW);

  it('revoking A disconnects it within a second, its reconnects fail, B stays connected', async () => {
    const a = await newRunner();
    const b = await newRunner();
    const runnerA = await connectRunner(a, 3);
    const runnerB = await connectRunner(b, 3);
    runnerB.nc.subscribe(`sy.run.${b.id}.call`, {
      callback: (_error, message) => {
        message.respond('b is here');
      },
    });
    await runnerB.nc.flush();

    const started = performance.now();
    const { revision } = await credentials.revokeRunnerKey(a.key.getPublicKey());
    const pushed = performance.now();
    await runnerA.waitFor(isError(/revoked/i), 1_000);
    const cut = performance.now();
    if (process.env.SWITCHYARD_TEST_VERBOSE) {
      process.stderr.write(`revocation: call→disconnect ${Math.round(cut - started)} ms (push answered→disconnect ${Math.round(cut - pushed)} ms)\n`);
    }
    expect(cut - started).toBeLessThan(1_000);

    // Its reconnects are refused until the client gives up.
    expect(String(await runnerA.nc.closed())).toMatch(/Authorization Violation/);
    expect(runnerA.events.filter(isError(/Authorization Violation/)).length).toBeGreaterThanOrEqual(1);
    expect(String(await settle(connectRunner(a)))).toMatch(/Authorization Violation/);

    expect(runnerB.nc.isClosed()).toBe(false);
    expect(runnerB.events.filter((s) => s.type === 'disconnect')).toEqual([]);
    expect((await controlPlaneNats.request(`sy.run.${b.id}.call`, 'ping', { timeout: 2_000 })).string()).toBe('b is here');
    expect(revision).toBeGreaterThanOrEqual(1);
  }, SLOW);

  it('keeps the first revocation when a second one follows, in Postgres and on the server', async () => {
    const a = await newRunner();
    const b = await newRunner();
    const before = (await storedState())?.revision ?? 0;
    await credentials.revokeRunnerKey(a.key.getPublicKey());
    const runnerB = await connectRunner(b);
    await credentials.revokeRunnerKey(b.key.getPublicKey());
    await runnerB.waitFor(isError(/revoked/i), 1_000);

    // Had the second JWT been built from an empty list, A would get in again.
    expect(String(await settle(connectRunner(a)))).toMatch(/Authorization Violation/);
    const stored = await storedState();
    expect(stored?.revision).toBe(before + 2);
    expect(Object.keys(stored?.revocations ?? {})).toEqual(expect.arrayContaining([a.key.getPublicKey(), b.key.getPublicKey()]));
    expect(Object.keys((await serverAccountJwt()).revocations)).toEqual(expect.arrayContaining([a.key.getPublicKey(), b.key.getPublicKey()]));
  }, SLOW);

  it('serializes concurrent revocations from two service instances (two Prisma clients)', async () => {
    const prisma = createPrismaClient(cp.database.url);
    const system = new SystemNatsLink([nats.url], silent, bundle.systemUser.creds);
    const other = new RunnerCredentialsService(cp.config, new NatsAccountStateRepository(prisma), system, silent);
    try {
      const before = (await storedState())?.revision ?? 0;
      const keys = Array.from({ length: 10 }, () => createUser().getPublicKey());
      await Promise.all(keys.map((key, i) => (i % 2 === 0 ? credentials : other).revokeRunnerKey(key)));

      const stored = await storedState();
      expect(stored?.revision).toBe(before + keys.length);
      expect(Object.keys(stored?.revocations ?? {})).toEqual(expect.arrayContaining(keys));
      const onServer = await serverAccountJwt();
      expect(Object.keys(onServer.revocations)).toEqual(expect.arrayContaining(keys));
      expect(onServer.revocations).toEqual(stored?.revocations);
    } finally {
      await system.close();
      await prisma.$disconnect();
    }
  }, SLOW);

  it('keeps revocations across a nats-server restart (full resolver)', async () => {
    const revoked = await newRunner();
    await credentials.revokeRunnerKey(revoked.key.getPublicKey());
    await own.stopNats();
    nats = await own.startNats();

    // The preload in nats.conf holds the original APP JWT; the newer one in the resolver dir wins.
    const fresh = await newRunner();
    expect((await connectRunner(fresh)).nc.isClosed()).toBe(false);
    expect(String(await settle(connectRunner(revoked)))).toMatch(/Authorization Violation/);
  }, SLOW);

  it('validates what it signs', async () => {
    await expect(credentials.issueRunnerJwt({ runnerId: 'a.>', runnerPublicKey: bundle.appAccount.publicKey, ttlSeconds: 0 })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: {
        fields: [
          { path: 'runnerId', message: 'must be 1-64 letters, digits or dashes' },
          { path: 'runnerPublicKey', message: 'must be a user public nkey (U…)' },
          { path: 'ttlSeconds', message: 'must be a whole number of seconds, 1 to 86400' },
        ],
      },
    });
    await expect(credentials.revokeRunnerKey('UNOPE')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
