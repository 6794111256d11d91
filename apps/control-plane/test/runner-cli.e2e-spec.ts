// switchyard-runner (the built CLI, as child processes) against a real control plane and a
// nats-server of this file's own in operator mode: enroll, start, heartbeats, revocation, SIGTERM.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import type { NatsHandle } from '@switchyard/devstack';
import type { NatsAuthBundle } from '@switchyard/nats-auth';
import { decode, heartbeatSchema, subjects, type Heartbeat } from '@switchyard/protocol';
import { NatsLink } from '../src/connections/nats-link.js';
import { ApiKeyRole, type TestControlPlane } from './harness.js';
import { startControlPlaneOnOwnNats, type OwnNatsControlPlane } from './own-nats.js';
import { assertRunnerBuilt, runRunnerCli, startRunner, writeRunnerConfig, type StartedRunner } from './runner-cli.js';
import { createNodepool, createToken } from './runner-fixtures.js';

const SLOW = 60_000;
const RUNNERS = `query($filter: RunnerFilterInput) { runners(filter: $filter) { nodes { id name publicKey status nodepool { id } } } }`;
const REVOKE = `mutation($id: ID!) { revokeRunner(id: $id) { id status } }`;

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

describe('switchyard-runner enroll and start (real processes)', () => {
  let own: OwnNatsControlPlane;
  let dir: string;
  let bundle: NatsAuthBundle;
  let nats: NatsHandle;
  let cp: TestControlPlane;
  let operator: string;
  let pool: string;
  let cpNats: NatsConnection;
  let sysNats: NatsConnection;
  const running: StartedRunner[] = [];
  let hostCount = 0;

  beforeAll(async () => {
    assertRunnerBuilt();
    own = await startControlPlaneOnOwnNats('runner-cli-e2e');
    ({ cp, nats, bundle, dir } = own);
    operator = await cp.keyFor(ApiKeyRole.OPERATOR);
    pool = await createNodepool(cp, 'on-prem');
    cpNats = await cp.app.get(NatsLink).connected(5_000);
    // The system account sees every connect and disconnect: the independent witness of a cut.
    sysNats = await connect({ servers: nats.url, authenticator: credsAuthenticator(new TextEncoder().encode(bundle.systemUser.creds)) });
  }, SLOW);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((runner) => runner.kill()));
  });
  afterAll(async () => {
    await sysNats?.close();
    await own?.close();
  });

  /** A fresh "host": its own data directory (not created yet) and config file. */
  const newHost = (extra: Record<string, unknown> = {}) => {
    hostCount += 1;
    const hostDir = join(dir, `host-${hostCount}`);
    rmSync(hostDir, { recursive: true, force: true });
    const dataDir = join(hostDir, 'data');
    // The host directory holds the config; the data directory is left for enroll to create.
    mkdirSync(hostDir, { recursive: true });
    const config = writeRunnerConfig(hostDir, { controlPlaneUrl: cp.url, dataDir, name: `host-${hostCount}`, capacity: 6, ...extra });
    return { hostDir, dataDir, config };
  };

  const enrollHost = async (extra: Record<string, unknown> = {}) => {
    const host = newHost(extra);
    const { token } = await createToken(cp, operator, pool);
    const result = await runRunnerCli(['enroll', '--config', host.config, '--url', cp.url, '--token', '-'], { stdin: `${token}\n` });
    expect(result).toMatchObject({ code: 0 });
    const identity = JSON.parse(readFileSync(join(host.dataDir, 'identity.json'), 'utf8')) as { runnerId: string; publicKey: string };
    return { ...host, identity, token };
  };

  const heartbeatsOf = (runnerId: string) => {
    const received: Heartbeat[] = [];
    const subscription = cpNats.subscribe(subjects.cpHeartbeat(runnerId), {
      callback: (_error, msg) => {
        received.push(decode(heartbeatSchema, msg.data));
      },
    });
    return { received, stop: () => subscription.unsubscribe() };
  };

  it('enroll writes identity and credentials with mode 0600 in a 0700 data directory, and the runner shows up in GraphQL', async () => {
    const host = newHost();
    const { token } = await createToken(cp, operator, pool);
    const tokenFile = join(host.hostDir, 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });

    const result = await runRunnerCli(['enroll', '--config', host.config, '--url', cp.url, '--token-file', tokenFile]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const identity = JSON.parse(readFileSync(join(host.dataDir, 'identity.json'), 'utf8')) as Record<string, unknown>;
    expect(identity).toMatchObject({ runnerId: expect.any(String), name: 'host-1', natsUrls: [nats.url], publicKey: expect.stringMatching(/^U[A-Z2-7]{55}$/) });
    expect(result.stdout).toContain(`Enrolled as runner ${String(identity.runnerId)} (name host-1).`);
    expect(result.stdout).not.toContain(token);
    expect(modeOf(host.dataDir)).toBe('0700');
    expect(modeOf(join(host.dataDir, 'identity.json'))).toBe('0600');
    expect(modeOf(join(host.dataDir, 'runner.creds'))).toBe('0600');
    const creds = readFileSync(join(host.dataDir, 'runner.creds'), 'utf8');
    expect(creds).toMatch(/-----BEGIN NATS USER JWT-----\neyJ[\w-]+\.[\w-]+\.[\w-]+\n/);
    expect(creds).toMatch(/-----BEGIN USER NKEY SEED-----\nSU[A-Z2-7]+\n/);

    const listed = await cp.gql<{ runners: { nodes: Array<Record<string, unknown>> } }>(RUNNERS, { filter: { nodepoolId: pool } }, operator);
    expect(listed.data?.runners.nodes).toContainEqual({ id: identity.runnerId, name: 'host-1', publicKey: identity.publicKey, status: 'ENROLLED', nodepool: { id: pool } });
    expect(await runRunnerCli(['status', '--config', host.config])).toMatchObject({ code: 0 });
  }, SLOW);

  it('refuses a reused and an expired token with their messages and a non-zero exit, writing nothing', async () => {
    const used = await enrollHost();
    const again = newHost();
    const reused = await runRunnerCli(['enroll', '--config', again.config, '--url', cp.url, '--token', used.token]);
    expect(reused).toMatchObject({
      code: 1,
      stderr: 'switchyard-runner: enrollment refused (HTTP 401 UNAUTHENTICATED): This enrollment token has already been used\n',
    });

    const expired = await createToken(cp, operator, pool);
    await cp.prisma.enrollmentToken.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const late = await runRunnerCli(['enroll', '--config', again.config, '--url', cp.url, '--token', expired.token]);
    expect(late).toMatchObject({ code: 1, stderr: 'switchyard-runner: enrollment refused (HTTP 401 UNAUTHENTICATED): This enrollment token has expired\n' });
    expect(() => statSync(join(again.dataDir, 'identity.json'))).toThrow(/ENOENT/);
    expect(() => statSync(join(again.dataDir, 'runner.creds'))).toThrow(/ENOENT/);
  }, SLOW);

  it('refuses to enroll an enrolled host again without --force', async () => {
    const host = await enrollHost();
    const { token } = await createToken(cp, operator, pool);
    const result = await runRunnerCli(['enroll', '--config', host.config, '--url', cp.url, '--token', token]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`this host is already enrolled as runner ${host.identity.runnerId}`);
  }, SLOW);

  it('start: heartbeats arrive on sy.cp.<id>.hb; SIGTERM ends it with exit 0 after a last, draining heartbeat', async () => {
    const host = await enrollHost();
    const heartbeats = heartbeatsOf(host.identity.runnerId);
    await cpNats.flush();
    const runner = startRunner(['--config', host.config], { SWITCHYARD_RUNNER_HEARTBEAT_SECONDS: '0.3', SWITCHYARD_RUNNER_DRAIN_GRACE_SECONDS: '5' });
    running.push(runner);

    await waitFor(() => heartbeats.received.length >= 3, 15_000, () => `3 heartbeats (stderr: ${runner.stderr()})`);
    expect(heartbeats.received.slice(0, 3).map((h) => h.seq)).toEqual([0, 1, 2]);
    expect(heartbeats.received[0]).toMatchObject({ softwareVersion: '0.1.0', capacity: 6, inFlight: 0, servers: [], gpus: [], draining: false });

    const signalled = performance.now();
    runner.child.kill('SIGTERM');
    const exit = await runner.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalled).toBeLessThan(5_000);
    heartbeats.stop();
    expect(heartbeats.received.at(-1)?.draining).toBe(true);
    expect(runner.logs().map((line) => line.msg)).toEqual(expect.arrayContaining(['connected to NATS', 'runner stopped']));
  }, SLOW);

  it('revokeRunner disconnects the running runner within a second; it then exits 3 (enroll again)', async () => {
    const host = await enrollHost();
    const heartbeats = heartbeatsOf(host.identity.runnerId);
    const disconnects: Array<{ at: number; reason: string }> = [];
    sysNats.subscribe(`$SYS.ACCOUNT.${bundle.appAccount.publicKey}.DISCONNECT`, {
      callback: (_error, msg) => {
        const event = msg.json<{ client: { user?: string }; reason?: string }>();
        if (event.client.user === host.identity.publicKey) disconnects.push({ at: performance.now(), reason: event.reason ?? '' });
      },
    });
    await Promise.all([cpNats.flush(), sysNats.flush()]);
    const runner = startRunner(['--config', host.config], { SWITCHYARD_RUNNER_HEARTBEAT_SECONDS: '0.3' });
    running.push(runner);
    await waitFor(() => heartbeats.received.length >= 1, 15_000, () => `a heartbeat (stderr: ${runner.stderr()})`);

    const started = performance.now();
    const revoked = await cp.gql(REVOKE, { id: host.identity.runnerId }, operator);
    expect(revoked.errors).toBeUndefined();
    await waitFor(() => disconnects.length > 0, 1_000, () => 'the runner\'s DISCONNECT event');
    expect(disconnects[0]!.at - started).toBeLessThan(1_000);
    expect(disconnects[0]!.reason).toMatch(/revoked/i);

    const exit = await runner.exited;
    expect(exit.code).toBe(3);
    expect(runner.stderr()).toMatch(/NATS refused this runner's credentials .*: enroll again/);
    heartbeats.stop();
  }, SLOW);

  it('start without enrollment exits 3 and says how to enroll', async () => {
    const host = newHost();
    const result = await runRunnerCli(['start', '--config', host.config]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('not enrolled');
  }, SLOW);
});

async function waitFor(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
