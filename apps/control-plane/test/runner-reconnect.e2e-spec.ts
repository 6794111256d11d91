// 20 real `switchyard-runner start` processes and a nats-server (operator mode) of this file's own,
// restarted on the same port and resolver dir: every runner comes back by itself, and not all in
// the same instant (the jittered reconnect wait). nats-server's own CONNZ is the witness.
import { join } from 'node:path';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import type { NatsHandle } from '@switchyard/devstack';
import type { NatsAuthBundle } from '@switchyard/nats-auth';
import { decode, heartbeatSchema, subjects } from '@switchyard/protocol';
import { NatsLink } from '../src/connections/nats-link.js';
import { enrollHostOverHttp, type EnrolledHost } from './enrolled-hosts.js';
import { ApiKeyRole, type TestControlPlane } from './harness.js';
import { accountConnections, serverStartedAtMs, spreadOf } from './nats-sys.js';
import { startControlPlaneOnOwnNats, type OwnNatsControlPlane } from './own-nats.js';
import { assertRunnerBuilt, startRunner, type StartedRunner } from './runner-cli.js';
import { createNodepool } from './runner-fixtures.js';

const RUNNER_COUNT = 20;
/** How long NATS stays down: longer than the runners' longest reconnect wait (2 × 1 s). */
const OUTAGE_MS = 2_500;
const RESTARTS = 2;
const SLOW = 180_000;
const RUNNERS = `query($filter: RunnerFilterInput) { runners(filter: $filter) { nodes { id status } } }`;

describe('NATS restart with 20 runner processes', () => {
  let own: OwnNatsControlPlane;
  let dir: string;
  let bundle: NatsAuthBundle;
  let nats: NatsHandle;
  let cp: TestControlPlane;
  let operator: string;
  let pool: string;
  let sysNats: NatsConnection;
  let hosts: EnrolledHost[] = [];
  const runners: StartedRunner[] = [];

  beforeAll(async () => {
    assertRunnerBuilt();
    // Restarted on its port and resolver dir (own.startNats), the server is the same server to its clients.
    own = await startControlPlaneOnOwnNats('runner-reconnect-e2e');
    ({ cp, nats, bundle, dir } = own);
    operator = await cp.keyFor(ApiKeyRole.OPERATOR);
    pool = await createNodepool(cp, 'on-prem');
    // Back quickly after the restart, to ask the server who else is back.
    sysNats = await connect({
      servers: nats.url,
      authenticator: credsAuthenticator(new TextEncoder().encode(bundle.systemUser.creds)),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 50,
      reconnectJitter: 0,
    });
  }, SLOW);
  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.kill()));
    await sysNats?.close();
    await own?.close();
  });

  const runnerConnections = async () => {
    const keys = new Set(hosts.map((host) => host.publicKey));
    return (await accountConnections(sysNats, bundle.appAccount.publicKey)).filter((c) => keys.has(c.user));
  };

  it('every runner reconnects after each of two nats-server restarts, spread out in time', async () => {
    const enrollStarted = performance.now();
    hosts = [];
    for (let i = 1; i <= RUNNER_COUNT; i++) hosts.push(await enrollHostOverHttp(cp, operator, pool, join(dir, `host-${i}`), `host-${i}`));
    const enrolledMs = performance.now() - enrollStarted;

    const cpNats = await cp.app.get(NatsLink).connected(5_000);
    const latestSeq = new Map<string, number>();
    const heartbeatSubscription = cpNats.subscribe(subjects.allHeartbeats(), {
      callback: (_error, msg) => {
        const runnerId = msg.subject.split('.')[2]!;
        latestSeq.set(runnerId, Math.max(latestSeq.get(runnerId) ?? -1, decode(heartbeatSchema, msg.data).seq));
      },
    });
    await cpNats.flush();

    const spawnStarted = performance.now();
    // Slow heartbeats: 20 Node processes share two cores with the rest of the test run.
    for (const host of hosts) runners.push(startRunner(['--config', host.config], { SWITCHYARD_RUNNER_HEARTBEAT_SECONDS: '3' }));
    await waitFor(async () => (await runnerConnections()).length === RUNNER_COUNT, 60_000, async () => `${RUNNER_COUNT} runner connections, have ${(await runnerConnections()).length}; ${exitedRunners(runners)}`);
    const allConnectedMs = performance.now() - spawnStarted;
    await waitFor(async () => latestSeq.size === RUNNER_COUNT, 15_000, async () => `a heartbeat from every runner, have ${latestSeq.size}`);

    // Twice: the first restart finds the connections in whatever phase their start-up left them;
    // the second finds them all cut at the same instant by the first — without jitter, they would
    // come back together.
    for (let restart = 1; restart <= RESTARTS; restart++) {
      const seqAtStop = new Map(latestSeq);
      await own.stopNats();
      // Every runner noticed (nats.js reports the disconnect), then the outage lasts a while.
      await waitFor(async () => runners.every((r) => countOf(logMessages(r), 'disconnected from NATS; reconnecting') >= restart), 15_000, async () => 'every runner to log the disconnect');
      // The outage is the scenario, not a wait for an event.
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      nats = await own.startNats();

      await waitFor(async () => (await runnerConnections()).length === RUNNER_COUNT, 30_000, async () => `${RUNNER_COUNT} runners back, have ${(await runnerConnections()).length}; ${exitedRunners(runners)}`);
      const serverStart = await serverStartedAtMs(sysNats);
      const back = await runnerConnections();
      expect(new Set(back.map((c) => c.user))).toEqual(new Set(hosts.map((h) => h.publicKey)));
      expect(back.map((c) => c.name).sort()).toEqual(hosts.map((h) => `switchyard-runner ${h.runnerId}`).sort());
      const spread = spreadOf(
        back.map((c) => c.startedAtMs - serverStart),
        50,
      );
      console.log(
        `runner reconnect after nats-server restart ${restart}/${RESTARTS} (${RUNNER_COUNT} processes, outage ${OUTAGE_MS} ms): ` +
          `delay after server start min ${spread.minMs} / p50 ${spread.p50Ms} / max ${spread.maxMs} ms, spread ${spread.spreadMs} ms, ` +
          `${spread.buckets} distinct 50 ms slots; enrolled ${RUNNER_COUNT} over HTTP in ${Math.round(enrolledMs)} ms, ` +
          `processes started and connected in ${Math.round(allConnectedMs)} ms`,
      );
      // Jitter, not speed: with one fixed wait they would all land in the same slot or two.
      expect(spread.spreadMs).toBeGreaterThan(250);
      expect(spread.buckets).toBeGreaterThanOrEqual(6);

      // The connections carry traffic again: a newer heartbeat from each runner reaches the control plane …
      const newer = () => hosts.filter((h) => (latestSeq.get(h.runnerId) ?? -1) > (seqAtStop.get(h.runnerId) ?? Infinity)).length;
      await waitFor(async () => newer() === RUNNER_COUNT, 15_000, async () => `heartbeats after restart ${restart} from every runner, have ${newer()}`);
    }
    heartbeatSubscription.unsubscribe();
    // … which shows them all HEALTHY, and no runner process gave up.
    await waitFor(
      async () => {
        const listed = await cp.gql<{ runners: { nodes: Array<{ id: string; status: string }> } }>(RUNNERS, { filter: { nodepoolId: pool } }, operator);
        return listed.data?.runners.nodes.filter((r) => r.status === 'HEALTHY').length === RUNNER_COUNT;
      },
      15_000,
      async () => 'all runners HEALTHY in GraphQL',
    );
    expect(exitedRunners(runners)).toBe('none exited');
    for (const runner of runners) expect(logMessages(runner)).toContain('reconnected to NATS');
  }, SLOW);
});

function countOf(list: unknown[], value: unknown): number {
  return list.filter((item) => item === value).length;
}

function logMessages(runner: StartedRunner): unknown[] {
  return runner.logs().map((line) => line.msg);
}

function exitedRunners(list: StartedRunner[]): string {
  const gone = list.filter((r) => r.child.exitCode !== null || r.child.signalCode !== null);
  if (gone.length === 0) return 'none exited';
  // Its own account of the end: the last log lines (time, message, error) say what NATS answered when.
  const lastLines = gone[0]!.logs().slice(-12).map((line) => JSON.stringify({ time: line.time, msg: line.msg, err: line.err }));
  return `${gone.length} exited, e.g.: ${gone[0]!.stderr().slice(0, 500)}\nits last log lines:\n${lastLines.join('\n')}`;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${await what().catch((e: Error) => e.message)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
