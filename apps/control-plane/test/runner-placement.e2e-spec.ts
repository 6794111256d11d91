// The whole runner path with real processes: `switchyard-runner enroll` + `start` (the built CLI),
// a Deployment placed by the control plane, the runner starting @modelcontextprotocol/server-everything
// from its assignment, calls through the control plane's relay, re-placement when a runner drains
// (SIGTERM, with a call in flight) or dies (kill -9).
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RunnerRelay } from '../src/relay/runner-relay.js';
import { ApiKeyRole, startControlPlane, type TestControlPlane } from './harness.js';
import { RelayTestClient, until } from './relay-client.js';
import { EVERYTHING_ENTRY } from './relay-runner-process.js';
import { assertRunnerBuilt, runRunnerCli, startRunner, writeRunnerConfig, type StartedRunner } from './runner-cli.js';
import { createNodepool, createToken } from './runner-fixtures.js';

const SLOW = 90_000;

const CREATE_SERVER = `mutation($input: CreateMcpServerInput!) { createMcpServer(input: $input) { id } }`;
const CREATE_VERSION = `mutation($input: CreateMcpServerVersionInput!) { createMcpServerVersion(input: $input) { id } }`;
const CREATE_DEPLOYMENT = `mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id } }`;
const DEPLOYMENT = `query($id: ID!) { deployment(id: $id) { replicas unplacedReplicas shortfallReason placements { runnerId } } }`;
const RUNNER = `query($id: ID!) { runner(id: $id) { id status } }`;

interface DeploymentView {
  replicas: number;
  unplacedReplicas: number;
  shortfallReason: string | null;
  placements: Array<{ runnerId: string }>;
}

describe('placement onto real runners (enroll, start, assignment, relay)', () => {
  let dir: string;
  let cp: TestControlPlane;
  let operator: string;
  let pool: string;
  let relay: RunnerRelay;
  const running = new Map<string, StartedRunner>();
  const hosts = new Map<string, { config: string }>();
  const clients: RelayTestClient[] = [];

  beforeAll(async () => {
    assertRunnerBuilt();
    dir = mkdtempSync(join(tmpdir(), 'runner-placement-e2e-'));
    cp = await startControlPlane();
    relay = cp.app.get(RunnerRelay);
    operator = await cp.keyFor(ApiKeyRole.OPERATOR);
    pool = await createNodepool(cp, 'onprem-placement');
  }, SLOW);
  afterEach(() => {
    for (const client of clients.splice(0)) client.session.close();
  });
  afterAll(async () => {
    await Promise.all([...running.values()].map((runner) => runner.kill()));
    await cp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await cp.gql<T>(query, variables, operator);
    if (!response.data) throw new Error(`GraphQL failed: ${JSON.stringify(response.errors)}`);
    return response.data;
  };

  /** Enrolls a host with the real CLI and starts it; resolves with its runner id once it is HEALTHY. */
  const enrollAndStart = async (name: string): Promise<string> => {
    const hostDir = join(dir, name);
    mkdirSync(hostDir, { recursive: true });
    const configFile = writeRunnerConfig(hostDir, { controlPlaneUrl: cp.url, dataDir: join(hostDir, 'data'), name, capacity: 2, heartbeatSeconds: 0.5, drainGraceSeconds: 20 });
    const { token } = await createToken(cp, operator, pool);
    const enrolled = await runRunnerCli(['enroll', '--config', configFile, '--url', cp.url, '--token', '-'], { stdin: `${token}\n` });
    expect(enrolled).toMatchObject({ code: 0 });
    const { runnerId } = JSON.parse(readFileSync(join(hostDir, 'data', 'identity.json'), 'utf8')) as { runnerId: string };
    hosts.set(runnerId, { config: configFile });
    await start(runnerId);
    return runnerId;
  };

  const start = async (runnerId: string): Promise<void> => {
    const host = hosts.get(runnerId);
    if (!host) throw new Error(`unknown host ${runnerId}`);
    running.set(runnerId, startRunner(['--config', host.config]));
    await until(
      () => (statusOf.get(runnerId) === 'HEALTHY' ? true : undefined),
      `runner ${runnerId} to be HEALTHY`,
      30_000,
      () => undefined,
    ).catch(async () => {
      throw new Error(`runner ${runnerId} not HEALTHY: ${running.get(runnerId)?.stderr()}`);
    });
  };

  /** Runner status as GraphQL shows it, refreshed in the background while tests wait on it. */
  const statusOf = new Map<string, string>();
  let polling: NodeJS.Timeout | undefined;
  beforeAll(() => {
    polling = setInterval(() => {
      for (const runnerId of hosts.keys()) {
        void gql<{ runner: { status: string } | null }>(RUNNER, { id: runnerId })
          .then((data) => data.runner && statusOf.set(runnerId, data.runner.status))
          .catch(() => undefined);
      }
    }, 100);
  });
  afterAll(() => clearInterval(polling));

  const deploymentView = async (id: string) => (await gql<{ deployment: DeploymentView }>(DEPLOYMENT, { id })).deployment;

  const placedOn = async (deploymentId: string, description: string, accept: (view: DeploymentView) => boolean): Promise<DeploymentView> => {
    let last: DeploymentView | undefined;
    const deadline = Date.now() + 30_000;
    for (;;) {
      last = await deploymentView(deploymentId);
      if (accept(last)) return last;
      if (Date.now() > deadline) {
        const runners = [...running].map(([id, runner]) => `${id} ${statusOf.get(id)}:\n${runner.logs().slice(-15).map((line) => JSON.stringify(line)).join('\n')}`);
        throw new Error(`timed out waiting for ${description}; last: ${JSON.stringify(last)}\n${runners.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  type ServerView = { deploymentId: string; versionId: string; state: string; restarts: number };
  /** Runner.servers in GraphQL (from heartbeats) once `accept` holds. */
  const serversOf = async (runnerId: string, accept: (servers: ServerView[]) => boolean): Promise<ServerView[]> => {
    const read = async () => (await gql<{ runner: { servers: ServerView[] } }>(`query($id: ID!) { runner(id: $id) { servers { deploymentId versionId state restarts } } }`, { id: runnerId })).runner.servers;
    let last: ServerView[] = [];
    const deadline = Date.now() + 15_000;
    while (!accept((last = await read()))) {
      if (Date.now() > deadline) throw new Error(`runner ${runnerId} servers never matched; last: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return last;
  };

  /** A session on the runner the deployment is placed on; retried while its server is still starting. */
  const session = async (runnerId: string, deploymentId: string, versionId: string): Promise<RelayTestClient> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new RelayTestClient(relay.openSession(runnerId, { sessionId: randomUUID(), deploymentId, versionId }));
      clients.push(client);
      try {
        await client.initialize({ sampling: {} });
        return client;
      } catch (error) {
        client.session.close();
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };

  let versionId: string;
  let deploymentId: string;
  let first: string;
  let second: string;

  it('places a deployment of server-everything on an enrolled runner, which starts it and serves calls', async () => {
    first = await enrollAndStart('host-a');
    await gql(CREATE_SERVER, { input: { name: 'everything' } });
    versionId = (
      await gql<{ createMcpServerVersion: { id: string } }>(CREATE_VERSION, {
        input: { serverName: 'everything', version: '1.0.0', transport: 'STDIO', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
      })
    ).createMcpServerVersion.id;
    deploymentId = (await gql<{ createDeployment: { id: string } }>(CREATE_DEPLOYMENT, { input: { versionId, nodepoolId: pool, replicas: 1 } })).createDeployment.id;

    // The placement row and the deployment's shortfall are written a moment apart: wait for both, as the later steps do.
    const placed = await placedOn(deploymentId, 'one placement, no shortfall', (view) => view.placements.length === 1 && view.unplacedReplicas === 0);
    expect(placed).toMatchObject({ replicas: 1, unplacedReplicas: 0, shortfallReason: null, placements: [{ runnerId: first }] });

    const client = await session(first, deploymentId, versionId);
    const { response } = await client.request('tools/call', { name: 'echo', arguments: { message: 'placed' } });
    expect(response).toMatchObject({ result: { content: [{ type: 'text', text: 'Echo: placed' }] } });
    const servers = await serversOf(first, (list) => list.some((server) => server.deploymentId === deploymentId && server.state === 'RUNNING'));
    expect(servers).toEqual([{ deploymentId, versionId, state: 'RUNNING', restarts: 0 }]);
  }, SLOW);

  it('reports the replicas it cannot place and why, then places them when a runner joins', async () => {
    await gql(`mutation($id: ID!, $input: UpdateDeploymentInput!) { updateDeployment(id: $id, input: $input) { id } }`, { id: deploymentId, input: { replicas: 2 } });
    // Until the next pass has run, the view shows the missing replica without a reason.
    const short = await placedOn(deploymentId, 'a shortfall of one, explained', (view) => view.unplacedReplicas === 1 && view.shortfallReason !== null);
    expect(short).toMatchObject({ replicas: 2, placements: [{ runnerId: first }] });
    expect(short.shortfallReason).toMatch(/runner/);

    second = await enrollAndStart('host-b');
    const full = await placedOn(deploymentId, 'two placements', (view) => view.placements.length === 2 && view.unplacedReplicas === 0);
    expect(new Set(full.placements.map((p) => p.runnerId))).toEqual(new Set([first, second]));
    expect(full.unplacedReplicas).toBe(0);

    const onSecond = await session(second, deploymentId, versionId);
    const { response } = await onSecond.request('tools/call', { name: 'echo', arguments: { message: 'second' } });
    expect(response).toMatchObject({ result: { content: [{ text: 'Echo: second' }] } });
    await gql(`mutation($id: ID!, $input: UpdateDeploymentInput!) { updateDeployment(id: $id, input: $input) { id } }`, { id: deploymentId, input: { replicas: 1 } });
    await placedOn(deploymentId, 'back to one placement', (view) => view.placements.length === 1);
  }, SLOW);

  it('SIGTERM: the call in flight finishes, the runner exits 0, and the replica moves to the other runner', async () => {
    const { placements } = await deploymentView(deploymentId);
    const draining = placements[0]!.runnerId;
    const other = draining === first ? second : first;
    const client = await session(draining, deploymentId, versionId);
    const { id } = await client.start('tools/call', { name: 'trigger-long-running-operation', arguments: { duration: 2, steps: 4 }, _meta: { progressToken: 'drain' } });
    await client.waitFor((message) => 'method' in message && message.method === 'notifications/progress', 'the first progress notification');

    running.get(draining)!.child.kill('SIGTERM');

    const response = await client.response(id, 30_000);
    expect(response).toMatchObject({ result: { content: [expect.objectContaining({ type: 'text' })] } });
    expect('error' in response).toBe(false);
    const exit = await running.get(draining)!.exited;
    expect(exit.code).toBe(0);
    running.delete(draining);
    const moved = await placedOn(deploymentId, `the replica to move to ${other}`, (view) => view.placements.length === 1 && view.placements[0]!.runnerId === other && view.unplacedReplicas === 0);
    expect(moved.unplacedReplicas).toBe(0);
    const onOther = await session(other, deploymentId, versionId);
    const echoed = await onOther.request('tools/call', { name: 'echo', arguments: { message: 'moved' } });
    expect(echoed.response).toMatchObject({ result: { content: [{ text: 'Echo: moved' }] } });
    await start(draining);
  }, SLOW);

  it('kill -9: the runner is OFFLINE at once, its session fails fast, and the replica is re-placed', async () => {
    const { placements } = await deploymentView(deploymentId);
    const victim = placements[0]!.runnerId;
    const survivor = victim === first ? second : first;
    const client = await session(victim, deploymentId, versionId);
    await client.start('tools/call', { name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 30 } });

    await running.get(victim)!.kill();
    running.delete(victim);

    const failure = await client.failed(5_000);
    expect(failure.message).toEqual(expect.any(String));
    await until(() => (statusOf.get(victim) === 'OFFLINE' ? true : undefined), `${victim} OFFLINE`, 5_000, () => undefined);
    expect(await serversOf(victim, () => true)).toEqual([]);
    const moved = await placedOn(deploymentId, `the replica to move to ${survivor}`, (view) => view.placements.length === 1 && view.placements[0]!.runnerId === survivor && view.unplacedReplicas === 0);
    expect(moved.unplacedReplicas).toBe(0);
    // The survivor once ran this replica before it drained and restarted: it is sent it again.
    const onSurvivor = await session(survivor, deploymentId, versionId);
    const echoed = await onSurvivor.request('tools/call', { name: 'echo', arguments: { message: 'survived' } });
    expect(echoed.response).toMatchObject({ result: { content: [{ text: 'Echo: survived' }] } });
    await start(victim);
  }, SLOW);

  it('drainRunner: the runner goes DRAINING, refuses new sessions, its replica moves; audited; an OFFLINE runner is a CONFLICT', async () => {
    const { placements } = await deploymentView(deploymentId);
    const drained = placements[0]!.runnerId;
    const other = drained === first ? second : first;

    const response = await cp.gql<{ drainRunner: { status: string } }>(`mutation($id: ID!) { drainRunner(id: $id, graceSeconds: 5) { status } }`, { id: drained }, operator);

    expect(response.data?.drainRunner.status).toBe('DRAINING');
    const moved = await placedOn(deploymentId, `the replica to move to ${other}`, (view) => view.placements.length === 1 && view.placements[0]!.runnerId === other && view.unplacedReplicas === 0);
    expect(moved.unplacedReplicas).toBe(0);
    await until(() => (statusOf.get(drained) === 'DRAINING' ? true : undefined), `${drained} DRAINING from its own heartbeat`, 10_000, () => undefined);
    const refused = new RelayTestClient(relay.openSession(drained, { sessionId: randomUUID(), deploymentId, versionId }));
    clients.push(refused);
    await expect(refused.initialize()).rejects.toThrow(/DRAINING|draining/);
    expect(await cp.prisma.adminEvent.count({ where: { action: 'runner.drain', targetId: drained } })).toBe(1);

    // Back into service: restart its process (as systemctl restart would).
    await running.get(drained)!.kill();
    running.delete(drained);
    await until(() => (statusOf.get(drained) === 'OFFLINE' ? true : undefined), `${drained} OFFLINE`, 5_000, () => undefined);
    const offline = await cp.gql(`mutation($id: ID!) { drainRunner(id: $id) { status } }`, { id: drained }, operator);
    expect(offline.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await start(drained);
  }, SLOW);

  it('delivers secret values over NATS into a clean environment: never on the runner disk or in its logs', async () => {
    const secretValue = `tok-${randomUUID()}`;
    await gql(`mutation($input: CreateSecretInput!) { createSecret(input: $input) { id } }`, { input: { name: 'upstream-token', value: secretValue } });
    await gql(CREATE_SERVER, { input: { name: 'envcheck' } });
    const envVersion = (
      await gql<{ createMcpServerVersion: { id: string } }>(CREATE_VERSION, {
        input: {
          serverName: 'envcheck',
          version: '1.0.0',
          transport: 'STDIO',
          command: process.execPath,
          args: [EVERYTHING_ENTRY, 'stdio'],
          env: [{ name: 'GREETING', value: 'hello' }],
          secretEnv: [{ name: 'API_TOKEN', secret: 'upstream-token' }],
        },
      })
    ).createMcpServerVersion.id;
    const envDeployment = (await gql<{ createDeployment: { id: string } }>(CREATE_DEPLOYMENT, { input: { versionId: envVersion, nodepoolId: pool, replicas: 1 } })).createDeployment.id;
    const { placements } = await placedOn(envDeployment, 'the envcheck placement', (view) => view.placements.length === 1);
    const host = placements[0]!.runnerId;

    const client = await session(host, envDeployment, envVersion);
    const { response } = await client.request('tools/call', { name: 'get-env', arguments: {} });
    const text = 'result' in response ? (response.result.content as Array<{ text: string }>)[0]!.text : '';
    const env = JSON.parse(text) as Record<string, string>;

    expect(env).toMatchObject({ GREETING: 'hello', API_TOKEN: secretValue, PATH: expect.any(String) });
    // Nothing of the runner's own environment: only what the launch spec declares, plus PATH.
    expect(Object.keys(env).filter((name) => !['GREETING', 'API_TOKEN', 'PATH'].includes(name))).toEqual([]);
    const runner = running.get(host)!;
    expect(JSON.stringify(runner.logs()) + runner.stderr()).not.toContain(secretValue);
    const dataDir = join(dirname(hosts.get(host)!.config), 'data');
    for (const file of readdirSync(dataDir)) expect(readFileSync(join(dataDir, file), 'utf8')).not.toContain(secretValue);
  }, SLOW);
});
