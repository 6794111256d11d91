// Routing by rollout through the gateway, end to end: two versions of one server on a runner
// process, a rollout in CANARY sending new sessions to the challenger, then a rollback — the
// session pinned to the challenger gets HTTP 404 at its next request, and the client's new session
// lands on the champion. The audit rows say which version served each call, with its propensity.
import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createUser } from '@nats-io/jwt';
import { ApiKeyRole } from '@switchyard/db';
import { testEnv, waitFor } from '@switchyard/devstack/testing';
import { credsText } from '@switchyard/nats-auth';
import { CLI_ACTOR } from '../src/admin-events/actor.js';
import { ApiKeysService } from '../src/api-keys/api-keys.service.js';
import { RunnerCredentialsService } from '../src/nats-auth/runner-credentials.service.js';
import { PlacementService } from '../src/placement/placement.service.js';
import { startControlPlane, type TestControlPlane } from './harness.js';
import { EVERYTHING_ENTRY, startRunnerProcess, stdioPlacement, type RunnerProcess } from './relay-runner-process.js';

const SLOW = 90_000;
const SERVER = 'canaried';

describe('gateway + router + rollouts: canary, rollback, 404, champion', () => {
  let cp: TestControlPlane;
  let runner: RunnerProcess;
  let agentKey: string;
  let operatorKey: string;
  let champion: string;
  let challenger: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    cp = await startControlPlane();
    const nodepool = await cp.prisma.nodepool.create({ data: { name: `canary-${randomUUID().slice(0, 8)}`, kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } });
    const server = await cp.prisma.mcpServer.create({ data: { name: SERVER } });
    const version = (v: string) => cp.prisma.mcpServerVersion.create({ data: { serverId: server.id, version: v, transport: 'STDIO', command: 'node', args: [EVERYTHING_ENTRY, 'stdio'] } });
    const [v1, v2] = [await version('1.0.0'), await version('2.0.0')];
    champion = v1.id;
    challenger = v2.id;
    const d1 = await cp.prisma.deployment.create({ data: { versionId: v1.id, nodepoolId: nodepool.id, replicas: 1 } });
    const d2 = await cp.prisma.deployment.create({ data: { versionId: v2.id, nodepoolId: nodepool.id, replicas: 1 } });
    const key = createUser();
    const row = await cp.prisma.runner.create({ data: { nodepoolId: nodepool.id, name: 'canary-runner', publicKey: key.getPublicKey(), capacity: 4 } });
    const { jwt } = await cp.app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId: row.id, runnerPublicKey: key.getPublicKey() });
    runner = await startRunnerProcess({
      natsUrl: testEnv().natsUrl,
      runnerId: row.id,
      creds: credsText(jwt, key),
      placements: [
        { ...stdioPlacement(d1.id, SERVER, EVERYTHING_ENTRY, ['stdio']), versionId: v1.id },
        { ...stdioPlacement(d2.id, SERVER, EVERYTHING_ENTRY, ['stdio']), versionId: v2.id },
      ],
    });
    await cp.prisma.runner.update({ where: { id: row.id }, data: { status: 'HEALTHY' } });
    await cp.app.get(PlacementService).replan();
    agentKey = (await cp.app.get(ApiKeysService).create(CLI_ACTOR, { name: 'canary-agent', role: ApiKeyRole.AGENT })).key;
    operatorKey = await cp.keyFor(ApiKeyRole.OPERATOR);
  }, SLOW);

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await runner?.stop();
    await cp?.close();
  });

  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await cp.gql<T>(query, variables, operatorKey);
    if (!response.data) throw new Error(JSON.stringify(response.errors));
    return response.data;
  };

  const connect = async (): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> => {
    const client = new Client({ name: 'canary-e2e', version: '0.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${cp.url}/mcp/${SERVER}`), { requestInit: { headers: { Authorization: `Bearer ${agentKey}` } } });
    clients.push(client);
    await client.connect(transport);
    return { client, transport };
  };

  /** Calls echo and reads back, from its audit row, which version served it and with what propensity. */
  const echoOn = async (client: Client, transport: StreamableHTTPClientTransport) => {
    await client.callTool({ name: 'echo', arguments: { message: 'canary' } });
    return waitFor(
      () => cp.prisma.toolInvocation.findFirst({ where: { sessionId: transport.sessionId!, outcome: 'OK' }, orderBy: { startedAt: 'desc' } }),
      'the audit row of the echo',
    );
  };

  it('sends a new session to the challenger at 99 %, and after a rollback ends it with 404 and serves the next on the champion', async () => {
    const { startRollout } = await gql<{ startRollout: { id: string } }>(`mutation($input: StartRolloutInput!) { startRollout(input: $input) { id } }`, {
      input: { serverName: SERVER, championVersionId: champion, challengerVersionId: challenger, config: { shadow: { enabled: false }, canary: { steps: [0.99] } } },
    });
    let phase = 'PILOT';
    for (let i = 0; i < 3 && phase !== 'CANARY'; i++) {
      phase = (await gql<{ advanceRollout: { phase: string } }>(`mutation($id: ID!) { advanceRollout(id: $id) { phase } }`, { id: startRollout.id })).advanceRollout.phase;
    }
    expect(phase).toBe('CANARY');

    // At 99 % one try nearly always lands on the challenger; a session on the champion is ended and tried again.
    let pinned: { client: Client; transport: StreamableHTTPClientTransport } | undefined;
    for (let attempt = 0; attempt < 5 && pinned === undefined; attempt++) {
      const session = await connect();
      const row = await echoOn(session.client, session.transport);
      if (row.versionId === challenger) {
        expect(row).toMatchObject({ arm: challenger, rolloutId: startRollout.id, propensity: expect.closeTo(0.99, 6) });
        pinned = session;
      } else {
        await session.transport.terminateSession();
      }
    }
    if (pinned === undefined) throw new Error('no session landed on the challenger in 5 tries at 99 %');

    await gql(`mutation($id: ID!) { rollbackRollout(id: $id, reason: "error budget") { phase } }`, { id: startRollout.id });

    await expect(pinned.client.callTool({ name: 'echo', arguments: { message: 'after rollback' } })).rejects.toThrow(/404|Session not found/);
    await pinned.transport.terminateSession().catch(() => undefined);
    const fresh = await connect();
    const row = await echoOn(fresh.client, fresh.transport);
    expect(row).toMatchObject({ versionId: champion, arm: champion, rolloutId: null, propensity: 1 });
  }, SLOW);
});
