// Per-call routing through the gateway, end to end: two stateless versions of one server with the
// same toolsHash, a rollout in CANARY at 50 %, one runner process serving both. The calls of ONE
// client session are split between the versions (the router decides per call, the gateway opens
// a second relay session where a call goes); with different toolsHash values the session stays on
// one version. The audit rows say which version served each call, with its propensity.
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

const SLOW = 120_000;
const CALLS = 30;
const SAME_TOOLS = 'per-call-split';
const OTHER_TOOLS = 'per-call-pinned';

interface Versions {
  champion: string;
  challenger: string;
}

describe('gateway + router: per-call routing of stateless versions with equal toolsHash', () => {
  let cp: TestControlPlane;
  let runner: RunnerProcess;
  let operatorKey: string;
  const servers = new Map<string, Versions>();
  const clients: Client[] = [];

  beforeAll(async () => {
    cp = await startControlPlane();
    const nodepool = await cp.prisma.nodepool.create({ data: { name: `per-call-${randomUUID().slice(0, 8)}`, kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } });
    const key = createUser();
    const row = await cp.prisma.runner.create({ data: { nodepoolId: nodepool.id, name: 'per-call-runner', publicKey: key.getPublicKey(), capacity: 8 } });
    const placements = [];
    for (const [name, hashes] of [
      [SAME_TOOLS, ['tools-a', 'tools-a']],
      [OTHER_TOOLS, ['tools-a', 'tools-b']],
    ] as const) {
      const server = await cp.prisma.mcpServer.create({ data: { name } });
      const ids: string[] = [];
      for (const [i, toolsHash] of hashes.entries()) {
        const version = await cp.prisma.mcpServerVersion.create({
          data: { serverId: server.id, version: `${i + 1}.0.0`, transport: 'STDIO', command: 'node', args: [EVERYTHING_ENTRY, 'stdio'], stateless: true, toolsHash },
        });
        const deployment = await cp.prisma.deployment.create({ data: { versionId: version.id, nodepoolId: nodepool.id, replicas: 1 } });
        const placement = stdioPlacement(deployment.id, name, EVERYTHING_ENTRY, ['stdio']);
        placements.push({ ...placement, versionId: version.id, launch: { ...placement.launch, stateless: true } });
        ids.push(version.id);
      }
      servers.set(name, { champion: ids[0]!, challenger: ids[1]! });
    }
    const { jwt } = await cp.app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId: row.id, runnerPublicKey: key.getPublicKey() });
    runner = await startRunnerProcess({ natsUrl: testEnv().natsUrl, runnerId: row.id, creds: credsText(jwt, key), placements });
    await cp.prisma.runner.update({ where: { id: row.id }, data: { status: 'HEALTHY' } });
    await cp.app.get(PlacementService).replan();
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

  const canaryAtHalf = async (serverName: string): Promise<string> => {
    const { champion, challenger } = servers.get(serverName)!;
    const { startRollout } = await gql<{ startRollout: { id: string } }>(`mutation($input: StartRolloutInput!) { startRollout(input: $input) { id } }`, {
      input: { serverName, championVersionId: champion, challengerVersionId: challenger, config: { shadow: { enabled: false }, canary: { steps: [0.5] } } },
    });
    let phase = 'PILOT';
    for (let i = 0; i < 3 && phase !== 'CANARY'; i++) {
      phase = (await gql<{ advanceRollout: { phase: string } }>(`mutation($id: ID!) { advanceRollout(id: $id) { phase } }`, { id: startRollout.id })).advanceRollout.phase;
    }
    expect(phase).toBe('CANARY');
    return startRollout.id;
  };

  /** One session (of a key of its own: the calls stay under the key's rate limit), CALLS echoes, each answered with its own text; its audit rows. */
  const echoesOfOneSession = async (serverName: string) => {
    const agentKey = (await cp.app.get(ApiKeysService).create(CLI_ACTOR, { name: `per-call-agent-${serverName}`, role: ApiKeyRole.AGENT })).key;
    const client = new Client({ name: 'per-call-e2e', version: '0.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${cp.url}/mcp/${serverName}`), { requestInit: { headers: { Authorization: `Bearer ${agentKey}` } } });
    clients.push(client);
    await client.connect(transport);
    for (let i = 0; i < CALLS; i++) {
      const result = await client.callTool({ name: 'echo', arguments: { message: `call ${i}` } });
      expect(result.content).toEqual([{ type: 'text', text: `Echo: call ${i}` }]);
    }
    // An audit row is completed just after its answer is relayed (not awaited): wait until none is PENDING.
    const sessionId = transport.sessionId!;
    await waitFor(async () => (await cp.prisma.toolInvocation.count({ where: { sessionId, outcome: 'PENDING' } })) === 0, 'the audit rows of the session completed');
    return cp.prisma.toolInvocation.findMany({ where: { sessionId }, orderBy: { startedAt: 'asc' } });
  };

  it('splits the calls of one session between both versions, each audited with propensity 0.5', async () => {
    const rolloutId = await canaryAtHalf(SAME_TOOLS);
    const { champion, challenger } = servers.get(SAME_TOOLS)!;
    const rows = await echoesOfOneSession(SAME_TOOLS);
    expect(rows).toHaveLength(CALLS);
    for (const row of rows) {
      expect(row).toMatchObject({ outcome: 'OK', rolloutId, arm: row.versionId, propensity: expect.closeTo(0.5, 6) });
      expect([champion, challenger]).toContain(row.versionId);
    }
    // 30 fair coin flips all alike: 2 × 2^-30.
    expect(new Set(rows.map((row) => row.versionId))).toEqual(new Set([champion, challenger]));
  }, SLOW);

  it('keeps every call of a session on one version when the toolsHash values differ', async () => {
    await canaryAtHalf(OTHER_TOOLS);
    const rows = await echoesOfOneSession(OTHER_TOOLS);
    expect(rows).toHaveLength(CALLS);
    expect(rows.every((row) => row.outcome === 'OK')).toBe(true);
    expect(new Set(rows.map((row) => row.versionId)).size).toBe(1);
  }, SLOW);
});
