// Retries of idempotent tools when the upstream is lost, end to end: one version of a real stdio
// MCP server (the relay fixture) on three runner processes, a RoutePolicy allowing one retry. A
// runner killed (SIGKILL) in the middle of a call of a readOnlyHint tool: the gateway moves the
// session to another runner of the version and the client gets the result from there, in the same
// session; the same for a tool without the hint: the client gets the error.
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
import { RELAY_FIXTURE_SERVER, startRunnerProcess, stdioPlacement, type RunnerProcess } from './relay-runner-process.js';

const SLOW = 90_000;
const SERVER = 'retried';
/** Long enough to kill the runner while the call is surely in flight; the retry runs it again in full. */
const CALL_MS = 1_500;

describe('gateway retries: a lost call of a readOnly tool is sent again on another runner of its version', () => {
  let cp: TestControlPlane;
  let agentKey: string;
  let versionId: string;
  const runners = new Map<string, RunnerProcess>();
  const clients: Client[] = [];

  beforeAll(async () => {
    cp = await startControlPlane();
    const nodepool = await cp.prisma.nodepool.create({ data: { name: `retry-${randomUUID().slice(0, 8)}`, kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } });
    const server = await cp.prisma.mcpServer.create({ data: { name: SERVER } });
    await cp.prisma.routePolicy.create({ data: { serverId: server.id, retryMaxAttempts: 1 } });
    const version = await cp.prisma.mcpServerVersion.create({ data: { serverId: server.id, version: '1.0.0', transport: 'STDIO', command: 'node', args: [RELAY_FIXTURE_SERVER] } });
    versionId = version.id;
    const deployment = await cp.prisma.deployment.create({ data: { versionId, nodepoolId: nodepool.id, replicas: 3 } });
    await Promise.all(
      [1, 2, 3].map(async (n) => {
        const key = createUser();
        const row = await cp.prisma.runner.create({ data: { nodepoolId: nodepool.id, name: `retry-runner-${n}`, publicKey: key.getPublicKey(), capacity: 4 } });
        const { jwt } = await cp.app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId: row.id, runnerPublicKey: key.getPublicKey() });
        const placements = [{ ...stdioPlacement(deployment.id, SERVER, RELAY_FIXTURE_SERVER), versionId }];
        runners.set(row.id, await startRunnerProcess({ natsUrl: testEnv().natsUrl, runnerId: row.id, creds: credsText(jwt, key), placements }));
        await cp.prisma.runner.update({ where: { id: row.id }, data: { status: 'HEALTHY' } });
      }),
    );
    await cp.app.get(PlacementService).replan();
    expect(await cp.prisma.placement.count({ where: { deploymentId: deployment.id } })).toBe(3);
    agentKey = (await cp.app.get(ApiKeysService).create(CLI_ACTOR, { name: 'retry-agent', role: ApiKeyRole.AGENT })).key;
  }, SLOW);

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await Promise.allSettled([...runners.values()].map((runner) => runner.stop()));
    await cp?.close();
  });

  const connect = async () => {
    const client = new Client({ name: 'retry-e2e', version: '0.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${cp.url}/mcp/${SERVER}`), { requestInit: { headers: { Authorization: `Bearer ${agentKey}` } } });
    clients.push(client);
    await client.connect(transport);
    return { client, sessionId: transport.sessionId! };
  };

  /** Starts a call, waits until its audit row says it went upstream, and kills the runner serving it. */
  const callAndKillItsRunner = async (client: Client, sessionId: string, tool: string) => {
    const call = client.callTool({ name: tool, arguments: { ms: CALL_MS, message: tool } });
    call.catch(() => undefined);
    const pending = await waitFor(() => cp.prisma.toolInvocation.findFirst({ where: { sessionId, tool, outcome: 'PENDING' } }), `the PENDING audit row of ${tool}`);
    const runner = runners.get(pending.runnerId!);
    if (runner === undefined) throw new Error(`call on an unknown runner ${pending.runnerId}`);
    runners.delete(pending.runnerId!);
    await runner.kill();
    return { call, callId: pending.callId, lostRunnerId: pending.runnerId! };
  };

  it('moves the session to another runner and answers the readOnlyHint call from there: one audit row, OK', async () => {
    const { client, sessionId } = await connect();

    const { call, callId, lostRunnerId } = await callAndKillItsRunner(client, sessionId, 'slow-read');

    await expect(call).resolves.toMatchObject({ content: [{ type: 'text', text: 'Slow read: slow-read' }] });
    const row = await waitFor(() => cp.prisma.toolInvocation.findFirst({ where: { callId, outcome: { not: 'PENDING' } } }), 'the completed audit row');
    expect(row).toMatchObject({ outcome: 'OK', errorCode: null });
    expect(row.latencyMs).toBeGreaterThanOrEqual(CALL_MS);
    expect(await cp.prisma.toolInvocation.count({ where: { sessionId, tool: 'slow-read' } })).toBe(1);

    // The session lives on, pinned to a runner that is still there.
    await expect(client.callTool({ name: 'echo', arguments: { message: 'after the retry' } })).resolves.toMatchObject({ content: [{ text: 'Echo: after the retry' }] });
    const echo = await waitFor(() => cp.prisma.toolInvocation.findFirst({ where: { sessionId, tool: 'echo', outcome: 'OK' } }), 'the echo row');
    expect(echo.runnerId).not.toBe(lostRunnerId);
    expect(runners.has(echo.runnerId!)).toBe(true);
  }, SLOW);

  it('does not retry a tool without readOnlyHint or idempotentHint: the client gets the error, the row says INTERRUPTED', async () => {
    const { client, sessionId } = await connect();

    const { call, callId } = await callAndKillItsRunner(client, sessionId, 'slow');

    await expect(call).rejects.toThrow(/disconnected/);
    expect(runners.size).toBe(1); // a runner of the version was there to retry on
    const row = await waitFor(() => cp.prisma.toolInvocation.findFirst({ where: { callId, outcome: { not: 'PENDING' } } }), 'the completed audit row');
    expect(row).toMatchObject({ outcome: 'INTERRUPTED', errorCode: 'UPSTREAM_FAILED' });
  }, SLOW);
});
