// Runner liveness from NATS itself, against a real nats-server 2.9 in operator mode: $SYS connect
// and disconnect events, cloned credentials, CONNZ reconciliation, heartbeats and the silence sweep.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { NatsConnection } from '@nats-io/transport-node';
import { encode, heartbeatSchema, RUNNER_PROTOCOL_VERSION, subjects } from '@switchyard/protocol';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { repoRoot } from '@switchyard/devstack';
import { createApp } from '../src/create-app.js';
import { createLogger } from '../src/logging/logger.js';
import { HeartbeatsConsumer } from '../src/runners/heartbeats.consumer.js';
import { RunnerEvents } from '../src/runners/runner-events.js';
import { RunnerLivenessService } from '../src/runners/runner-liveness.service.js';
import { sysSubjects } from '../src/runners/sys-events.js';
import { SystemNatsLink } from '../src/nats-auth/system-nats-link.js';
import { ApiKeyRole } from './harness.js';
import { connectAs, createRunner, sendHeartbeat, startIsolatedControlPlane, waitFor, type IsolatedControlPlane, type TestRunner } from './liveness-fixtures.js';

// Beyond jest's default: a nats-server and two control-plane replicas start, and the clone tests
// wait out the grace period that tells a clone from a reconnect (6 s).
const SLOW = 30_000;

const RUNNER = `query($id: ID!) { runner(id: $id) { status version capacity lastSeenAt fencedAt gpus { index name memoryMiB uuid } } }`;

describe('runner liveness', () => {
  let stack: IsolatedControlPlane;
  let replica: NestFastifyApplication;
  let viewer: string;
  let nodepoolId: string;
  const lost: Array<{ runnerId: string; reason: string }> = [];
  const open: NatsConnection[] = [];
  const measured: Record<string, number> = {};

  const statusOf = async (runner: TestRunner) => (await stack.cp.prisma.runner.findUniqueOrThrow({ where: { id: runner.id } })).status;
  const connect = async (runner: TestRunner) => {
    const nc = await connectAs(stack.nats.url, runner);
    open.push(nc);
    return nc;
  };
  const metric = async (line: string) => {
    const text = await (await fetch(`${stack.cp.url}/metrics`)).text();
    return Number(text.split('\n').find((l) => l.startsWith(`${line} `))?.split(' ')[1] ?? 0);
  };

  beforeAll(async () => {
    stack = await startIsolatedControlPlane();
    // A second replica on the same database and NATS: both see every event, writes stay single.
    replica = await createApp(stack.cp.config, createLogger('silent'));
    await replica.get(RunnerLivenessService).ready();
    viewer = await stack.cp.keyFor(ApiKeyRole.VIEWER);
    nodepoolId = (await stack.cp.prisma.nodepool.create({ data: { name: 'fra-onprem', kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } })).id;
    stack.cp.app.get(RunnerEvents).onRunnerLost((runnerId, reason) => lost.push({ runnerId, reason }));
  }, SLOW);

  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((nc) => nc.close()));
  });

  afterAll(async () => {
    await replica?.close();
    await stack?.close();
    process.stdout.write(`runner liveness, measured: ${JSON.stringify(measured)}\n`);
  });

  it('marks a runner ENROLLED when it connects and OFFLINE on its disconnect event after close()', async () => {
    const runner = await createRunner(stack.cp, nodepoolId);
    await stack.cp.prisma.runner.update({ where: { id: runner.id }, data: { status: 'OFFLINE' } });
    const nc = await connect(runner);
    await waitFor(async () => (await statusOf(runner)) === 'ENROLLED', 'ENROLLED after connect');

    const closedAt = Date.now();
    await nc.close();
    // From the $SYS DISCONNECT event (nothing else would mark it: there is no periodic
    // reconciliation). How fast is printed (measured), not asserted: a loaded CI machine varies.
    await waitFor(async () => (await statusOf(runner)) === 'OFFLINE', 'OFFLINE after close', 5_000, 2);
    measured.closeToOfflineMs = Date.now() - closedAt;
    expect(lost).toContainEqual({ runnerId: runner.id, reason: 'Client Closed' });
  }, SLOW);

  it('marks a runner OFFLINE on the disconnect event after kill -9 of its process', async () => {
    const runner = await createRunner(stack.cp, nodepoolId);
    // A separate process holding the runner's connection, as the agent would.
    const script = `import { connect, credsAuthenticator } from '@nats-io/transport-node';
      const nc = await connect({ servers: process.env.NATS_URL, inboxPrefix: process.env.INBOX, authenticator: credsAuthenticator(new TextEncoder().encode(process.env.CREDS)) });
      process.stdout.write('connected\\n'); setInterval(() => {}, 60000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot(),
      env: { PATH: process.env.PATH, NATS_URL: stack.nats.url, INBOX: subjects.runnerInboxPrefix(runner.id), CREDS: runner.creds },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await once(child.stdout, 'data');
    await waitFor(async () => (await statusOf(runner)) === 'ENROLLED', 'ENROLLED after the process connected');

    const killedAt = Date.now();
    child.kill('SIGKILL');
    await waitFor(async () => (await statusOf(runner)) === 'OFFLINE', 'OFFLINE after kill -9', 5_000, 2);
    measured.kill9ToOfflineMs = Date.now() - killedAt;
  }, SLOW);

  it('turns heartbeats into HEALTHY, UNHEALTHY and DRAINING, with version, capacity and GPUs in GraphQL', async () => {
    const runner = await createRunner(stack.cp, nodepoolId);
    const nc = await connect(runner);
    const gpus = [
      { index: 0, uuid: 'GPU-8f2a', name: 'NVIDIA A100-SXM4-80GB', memoryTotalMiB: 81920, memoryUsedMiB: 1024, utilizationPercent: 12 },
      { index: 1, uuid: 'GPU-9c1b', name: 'NVIDIA A100-SXM4-80GB', memoryTotalMiB: 81920 },
    ];
    const read = async () => (await stack.cp.gql<{ runner: Record<string, unknown> }>(RUNNER, { id: runner.id }, viewer)).data?.runner;

    await sendHeartbeat(nc, runner, 1, { capacity: 6, gpus });
    const healthy = await waitFor(async () => ((await read())?.status === 'HEALTHY' ? read() : undefined), 'HEALTHY from a heartbeat');
    expect(healthy).toMatchObject({
      version: '0.4.2',
      capacity: 6,
      fencedAt: null,
      gpus: [
        { index: 0, name: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920, uuid: 'GPU-8f2a' },
        { index: 1, name: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920, uuid: 'GPU-9c1b' },
      ],
    });
    expect(healthy.lastSeenAt).toEqual(expect.any(String));

    await sendHeartbeat(nc, runner, 2, { servers: [{ deploymentId: 'd1', versionId: 'v1', state: 'BACKOFF', restarts: 3 }] });
    await waitFor(async () => (await statusOf(runner)) === 'UNHEALTHY', 'UNHEALTHY while a server is in BACKOFF');
    await sendHeartbeat(nc, runner, 3, { draining: true });
    await waitFor(async () => (await statusOf(runner)) === 'DRAINING', 'DRAINING when the runner says so');
  }, SLOW);

  it('ignores heartbeats from unknown, revoked and fenced runners and older ones, and counts them', async () => {
    const consumer = stack.cp.app.get(HeartbeatsConsumer);
    const ignored = (reason: string) => metric(`switchyard_runner_heartbeats_ignored_total{reason="${reason}"}`);
    const before = Object.fromEntries(await Promise.all(['unknown-runner', 'revoked', 'fenced', 'reordered', 'invalid'].map(async (r) => [r, await ignored(r)] as const)));
    const revoked = await createRunner(stack.cp, nodepoolId);
    const fenced = await createRunner(stack.cp, nodepoolId);
    await stack.cp.prisma.runner.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    await stack.cp.prisma.runner.update({ where: { id: fenced.id }, data: { fencedAt: new Date() } });
    const beat = (seq: number, sentAt: Date, capacity: number) =>
      encode(heartbeatSchema, { v: RUNNER_PROTOCOL_VERSION, seq, sentAt: sentAt.toISOString(), softwareVersion: '9.9.9', capacity, inFlight: 0, servers: [], gpus: [], draining: false });

    // Straight into one replica's consumer: a revoked or fenced runner could not get these through
    // NATS, and a queue group would hand the pair below to different replicas.
    consumer.receive(subjects.cpHeartbeat('0190b6a2-0000-7000-8000-00000000dead'), beat(1, new Date(), 99), new Date());
    consumer.receive(subjects.cpHeartbeat(revoked.id), beat(1, new Date(), 99), new Date());
    consumer.receive(subjects.cpHeartbeat(fenced.id), beat(1, new Date(), 99), new Date());
    consumer.receive(subjects.cpHeartbeat(fenced.id), new TextEncoder().encode('{"v":1,"seq":"x"}'), new Date());

    const healthy = await createRunner(stack.cp, nodepoolId);
    await connect(healthy);
    await waitFor(() => stack.cp.app.get(RunnerLivenessService).isConnected(healthy.publicKey), 'the connection seen');
    consumer.receive(subjects.cpHeartbeat(healthy.id), beat(10, new Date(), 3), new Date());
    consumer.receive(subjects.cpHeartbeat(healthy.id), beat(9, new Date(Date.now() - 5_000), 77), new Date());

    await waitFor(async () => (await ignored('reordered')) > before.reordered!, 'the reordered heartbeat counted');
    for (const reason of ['unknown-runner', 'revoked', 'fenced', 'invalid']) expect(await ignored(reason)).toBe(before[reason]! + 1);
    const rows = await stack.cp.prisma.runner.findMany({ where: { id: { in: [revoked.id, fenced.id, healthy.id] } }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.status, r.capacity])).toEqual([
      ['ENROLLED', 0],
      ['ENROLLED', 0],
      ['HEALTHY', 3],
    ]);
  }, SLOW);

  it('marks a runner that stopped heartbeating UNHEALTHY (its connection may stay up) and reports it lost', async () => {
    const runner = await createRunner(stack.cp, nodepoolId);
    const nc = await connect(runner);
    await sendHeartbeat(nc, runner, 1);
    await waitFor(async () => (await statusOf(runner)) === 'HEALTHY', 'HEALTHY');

    const consumer = stack.cp.app.get(HeartbeatsConsumer);
    await consumer.sweep(new Date(Date.now() + 14_000));
    expect(await statusOf(runner)).toBe('HEALTHY');
    await consumer.sweep(new Date(Date.now() + 16_000));
    expect(await statusOf(runner)).toBe('UNHEALTHY');
    expect(lost).toContainEqual({ runnerId: runner.id, reason: 'no heartbeat for 3 intervals' });
    expect(nc.isClosed()).toBe(false);
  }, SLOW);

  it('fences a credential connected twice: both connections cut, the key revoked, one AdminEvent by system', async () => {
    const runner = await createRunner(stack.cp, nodepoolId);
    const first = await connect(runner);
    await sendHeartbeat(first, runner, 1);
    await waitFor(async () => (await statusOf(runner)) === 'HEALTHY', 'HEALTHY');
    const clone = await connect(runner);
    const connectedTwiceAt = Date.now();

    await Promise.all([first.closed(), clone.closed()]);
    measured.cloneToCutMs = Date.now() - connectedTwiceAt;
    const row = await stack.cp.prisma.runner.findUniqueOrThrow({ where: { id: runner.id } });
    expect(row.fencedAt).not.toBeNull();
    expect(row.status).toBe('OFFLINE');
    const events = await stack.cp.prisma.adminEvent.findMany({ where: { action: 'runner.fence', targetId: runner.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorName: 'system', actorKeyId: null, targetType: 'Runner' });
    expect((events[0]!.details as { connections: unknown[] }).connections).toHaveLength(2);
    expect(lost.filter((l) => l.runnerId === runner.id).map((l) => l.reason)).toContain('fenced: its credential is connected twice (cloned identity)');
    // The credential no longer gets in.
    await expect(connectAs(stack.nats.url, runner)).rejects.toThrow(/Authorization Violation|revoked/i);
  }, SLOW);

  it('does not fence a runner whose second connection goes away within the grace period (a reconnect)', async () => {
    const runner = await createRunner(stack.cp, nodepoolId);
    const old = await connect(runner);
    const fresh = await connect(runner);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await old.close();
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    expect(fresh.isClosed()).toBe(false);
    expect((await stack.cp.prisma.runner.findUniqueOrThrow({ where: { id: runner.id } })).fencedAt).toBeNull();
  }, SLOW);

  it('does not fence on a second connection only the events tell of: the server\'s CONNZ must list both (a lost $SYS event, a restart)', async () => {
    const runner = await createRunner(stack.cp, nodepoolId);
    const only = await connect(runner);
    // A CONNECT advisory for a connection the server does not have, as a replica that missed the
    // DISCONNECT (its $SYS link was cut with everything else) would keep in its view.
    const sys = await stack.cp.app.get(SystemNatsLink).link.connected(5_000);
    const app = stack.cp.config.natsAuth.appAccount.publicKey;
    const advisory = { type: 'io.nats.server.advisory.v1.client_connect', server: { id: 'NSTALESERVERFROMBEFORETHERESTART' }, client: { id: 999_999, user: runner.publicKey, name: 'gone' } };
    sys.publish(sysSubjects.connect(app), new TextEncoder().encode(JSON.stringify(advisory)));
    await sys.flush();

    await new Promise((resolve) => setTimeout(resolve, 7_000)); // the clone grace (6 s) is over

    expect(only.isClosed()).toBe(false);
    expect((await stack.cp.prisma.runner.findUniqueOrThrow({ where: { id: runner.id } })).fencedAt).toBeNull();
    expect(await stack.cp.prisma.adminEvent.count({ where: { action: 'runner.fence', targetId: runner.id } })).toBe(0);
  }, SLOW);

  it('a starting replica learns from CONNZ who is connected and who dropped while nobody watched', async () => {
    const connected = await createRunner(stack.cp, nodepoolId);
    const dropped = await createRunner(stack.cp, nodepoolId);
    await connect(connected);
    await waitFor(async () => (await statusOf(connected)) === 'ENROLLED', 'ENROLLED');
    // What the database would hold had the events been missed.
    await stack.cp.prisma.runner.update({ where: { id: connected.id }, data: { status: 'OFFLINE' } });
    await stack.cp.prisma.runner.update({ where: { id: dropped.id }, data: { status: 'HEALTHY', lastSeenAt: new Date() } });

    const starting = await createApp(stack.cp.config, createLogger('silent'));
    try {
      await starting.get(RunnerLivenessService).ready();
      expect([await statusOf(connected), await statusOf(dropped)]).toEqual(['ENROLLED', 'OFFLINE']);
    } finally {
      await starting.close();
    }
  }, SLOW);
});
