// Shadow traffic end to end: two versions of a fixture server on a runner process, a rollout in
// SHADOW with an allow-list. Calls through /mcp/<server> get the champion's answer; allow-listed
// calls are replayed on the challenger through BullMQ (shadow ToolInvocation rows), compared with
// noise learned from champion pairs, counted, and the analysis tick's SHADOW gate acts on the counts.
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createUser } from '@nats-io/jwt';
import { ApiKeyRole } from '@switchyard/db';
import { testEnv, waitFor } from '@switchyard/devstack/testing';
import { credsText } from '@switchyard/nats-auth';
import type { Redis } from 'ioredis';
import { CLI_ACTOR } from '../src/admin-events/actor.js';
import { ApiKeysService } from '../src/api-keys/api-keys.service.js';
import { REDIS } from '../src/connections/connections.module.js';
import { NatsLink } from '../src/connections/nats-link.js';
import { RunnerCredentialsService } from '../src/nats-auth/runner-credentials.service.js';
import { PlacementService } from '../src/placement/placement.service.js';
import { queuePrefixFor } from '../src/rollouts/rollout-analysis.scheduler.js';
import { RolloutAnalysisService } from '../src/rollouts/rollout-analysis.service.js';
import type { ShadowJobResult } from '../src/shadow/shadow-comparer.js';
import { ShadowQueue, type ShadowJob } from '../src/shadow/shadow-queue.js';
import { startControlPlane, type TestControlPlane } from './harness.js';
import { startRunnerProcess, stdioPlacement, type RunnerProcess } from './relay-runner-process.js';

const SLOW = 120_000;
const SERVER = 'shadowed';
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'shadow-fixture-server.mjs');

interface ShadowView {
  compared: number;
  differing: number;
  notCompared: number;
  diffRate: number | null;
  noisePaths: Array<{ tool: string; path: string; kind: string }>;
  examples: Array<{ tool: string; at: string; paths: Array<{ path: string; champion: string | null; challenger: string | null }> }>;
}

describe('shadow traffic: mirrored allow-listed calls, compared with learned noise, feeding the SHADOW gate', () => {
  let cp: TestControlPlane;
  const runners: RunnerProcess[] = [];
  let agentKey: string;
  let operatorKey: string;
  let champion: string;
  let challenger: string;
  let client: Client;
  const processed: Array<{ job: ShadowJob; result: ShadowJobResult }> = [];

  beforeAll(async () => {
    cp = await startControlPlane();
    await cp.app.get(NatsLink).connected(30_000);
    const nodepool = await cp.prisma.nodepool.create({ data: { name: `shadow-${randomUUID().slice(0, 8)}`, kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } });
    const server = await cp.prisma.mcpServer.create({ data: { name: SERVER } });
    const version = (v: string, flavor: string) =>
      cp.prisma.mcpServerVersion.create({ data: { serverId: server.id, version: v, transport: 'STDIO', command: 'node', args: [FIXTURE, '--flavor', flavor] } });
    const [v1, v2] = [await version('1.0.0', 'a'), await version('2.0.0', 'b')];
    champion = v1.id;
    challenger = v2.id;
    // A stdio server serves one session at a time: the champion needs a second replica for the
    // shadow's champion-vs-champion pairs while the client's session holds the first.
    const d1 = await cp.prisma.deployment.create({ data: { versionId: v1.id, nodepoolId: nodepool.id, replicas: 2 } });
    const d2 = await cp.prisma.deployment.create({ data: { versionId: v2.id, nodepoolId: nodepool.id, replicas: 1 } });
    const placements = [
      { ...stdioPlacement(d1.id, SERVER, FIXTURE, ['--flavor', 'a']), versionId: v1.id },
      { ...stdioPlacement(d2.id, SERVER, FIXTURE, ['--flavor', 'b']), versionId: v2.id },
    ];
    for (const name of ['shadow-runner-1', 'shadow-runner-2']) await startRunner(nodepool.id, name, placements);
    await cp.app.get(PlacementService).replan();
    expect(await cp.prisma.placement.count({ where: { deploymentId: d1.id } })).toBe(2);
    agentKey = (await cp.app.get(ApiKeysService).create(CLI_ACTOR, { name: 'shadow-agent', role: ApiKeyRole.AGENT })).key;
    operatorKey = await cp.keyFor(ApiKeyRole.OPERATOR);
    cp.app.get(ShadowQueue).onProcessed((job, result) => processed.push({ job, result }));
  }, SLOW);

  /** A HEALTHY runner row and the stand-in runner process serving `placements`. */
  const startRunner = async (nodepoolId: string, name: string, placements: unknown[]) => {
    const key = createUser();
    const row = await cp.prisma.runner.create({ data: { nodepoolId, name, publicKey: key.getPublicKey(), capacity: 8 } });
    const { jwt } = await cp.app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId: row.id, runnerPublicKey: key.getPublicKey() });
    runners.push(await startRunnerProcess({ natsUrl: testEnv().natsUrl, runnerId: row.id, creds: credsText(jwt, key), placements }));
    await cp.prisma.runner.update({ where: { id: row.id }, data: { status: 'HEALTHY' } });
  };

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await Promise.allSettled(runners.map((runner) => runner.stop()));
    await cp?.close();
  });

  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await cp.gql<T>(query, variables, operatorKey);
    if (!response.data) throw new Error(JSON.stringify(response.errors));
    return response.data;
  };

  /** Calls a tool and waits until its mirrored copy was processed (one more job done). */
  const callMirrored = async (name: string, args: Record<string, unknown>) => {
    const before = processed.length;
    const result = await client.callTool({ name, arguments: args });
    await waitFor(() => processed.length > before, `the mirrored ${name} call`, { timeoutMs: 30_000 });
    return result;
  };

  it('mirrors allow-listed calls to the challenger, learns noise, counts differences, and the SHADOW gate acts on them', async () => {
    const { startRollout } = await gql<{ startRollout: { id: string; shadowTools: string[] } }>(
      `mutation($input: StartRolloutInput!) { startRollout(input: $input) { id shadowTools } }`,
      {
        input: {
          serverName: SERVER,
          championVersionId: champion,
          challengerVersionId: challenger,
          shadowTools: ['stamped', 'echo', 'flavored'],
          config: { shadow: { minComparisons: 5, minDurationMs: 1, maxDiffRate: 0.1 } },
        },
      },
    );
    const rolloutId = startRollout.id;
    expect(startRollout.shadowTools).toEqual(['echo', 'flavored', 'stamped']);
    const { updateRolloutShadowTools } = await gql<{ updateRolloutShadowTools: { shadowTools: string[] } }>(
      `mutation($id: ID!, $tools: [String!]!) { updateRolloutShadowTools(id: $id, tools: $tools) { shadowTools } }`,
      { id: rolloutId, tools: ['echo', 'stamped', 'flavored', 'ask-sampling'] },
    );
    expect(updateRolloutShadowTools.shadowTools).toEqual(['ask-sampling', 'echo', 'flavored', 'stamped']);
    expect(await cp.prisma.adminEvent.findFirst({ where: { action: 'rollout.shadowTools', targetId: rolloutId } })).toMatchObject({
      details: { from: ['echo', 'flavored', 'stamped'], to: ['ask-sampling', 'echo', 'flavored', 'stamped'] },
    });
    const { advanceRollout } = await gql<{ advanceRollout: { phase: string } }>(`mutation($id: ID!) { advanceRollout(id: $id) { phase } }`, { id: rolloutId });
    expect(advanceRollout.phase).toBe('SHADOW');

    // In SHADOW the router sends every session to the champion. The client answers sampling: the
    // champion's call gets a real answer, the shadow call must not.
    client = new Client({ name: 'shadow-e2e', version: '0.0.0' }, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', model: 'test', content: { type: 'text', text: 'hi' } }));
    await client.connect(new StreamableHTTPClientTransport(new URL(`${cp.url}/mcp/${SERVER}`), { requestInit: { headers: { Authorization: `Bearer ${agentKey}` } } }));

    // Not on the allow-list: answered by the champion, never mirrored.
    expect(await client.callTool({ name: 'reverse', arguments: { message: 'abc' } })).toMatchObject({ content: [{ type: 'text', text: 'cba' }] });

    const secret = `secret-${randomUUID()}`;
    for (const message of [secret, secret, 'world']) {
      expect(await callMirrored('echo', { message })).toMatchObject({ content: [{ type: 'text', text: `Echo: ${message}` }] });
    }
    for (let i = 0; i < 4; i++) await callMirrored('stamped', { message: 'tick' });
    // The client always gets the champion's answer ("a"), the challenger says "b".
    for (const message of ['one', 'two']) {
      expect(await callMirrored('flavored', { message })).toMatchObject({ content: [{ type: 'text', text: `a: ${message}` }] });
    }
    expect(await callMirrored('ask-sampling', {})).toMatchObject({ content: [{ type: 'text', text: 'sampled: hi' }] });

    expect(processed.map(({ job }) => job.tool)).not.toContain('reverse');
    expect(processed.map(({ job, result }) => `${job.tool}:${result.verdict}`)).toEqual([
      ...Array(3).fill('echo:same'),
      ...Array(4).fill('stamped:same'),
      ...Array(2).fill('flavored:different'),
      'ask-sampling:not-compared',
    ]);

    // Shadow rows: the challenger ran every mirrored call, audited with the same argument HMAC as the client's call.
    const shadowRows = await cp.prisma.toolInvocation.findMany({ where: { serverName: SERVER, shadow: true, versionId: challenger }, orderBy: { startedAt: 'asc' } });
    expect(shadowRows.map((row) => row.tool)).toEqual(['echo', 'echo', 'echo', 'stamped', 'stamped', 'stamped', 'stamped', 'flavored', 'flavored', 'ask-sampling']);
    expect(shadowRows.every((row) => row.rolloutId === rolloutId && row.nodepoolId !== null && row.latencyMs !== null)).toBe(true);
    const clientEcho = await cp.prisma.toolInvocation.findFirstOrThrow({ where: { serverName: SERVER, shadow: false, tool: 'echo' }, orderBy: { startedAt: 'asc' } });
    expect(clientEcho.versionId).toBe(champion);
    expect(shadowRows[0]!.argumentsHmac).toBe(clientEcho.argumentsHmac);
    // The challenger asked for sampling during the shadow call, was declined, and said so (isError), rather than hanging.
    expect(shadowRows.at(-1)).toMatchObject({ tool: 'ask-sampling', outcome: 'TOOL_ERROR' });
    expect(await cp.prisma.toolInvocation.count({ where: { serverName: SERVER, shadow: true, tool: 'reverse' } })).toBe(0);

    const { rollout } = await gql<{ rollout: { shadow: ShadowView } }>(
      `query($id: ID!) { rollout(id: $id) { shadow { compared differing notCompared diffRate noisePaths { tool path kind } examples { tool at paths { path champion challenger } } } } }`,
      { id: rolloutId },
    );
    expect(rollout.shadow).toMatchObject({ compared: 9, differing: 2, notCompared: 1, diffRate: 2 / 9 });
    expect(rollout.shadow.noisePaths).toEqual(
      expect.arrayContaining([
        { tool: 'stamped', path: '/result/content/*/text{json}/requestId', kind: 'tokens' },
        { tool: 'stamped', path: '/result/content/*/text{json}/at', kind: 'tokens' },
      ]),
    );
    expect(rollout.shadow.examples).toEqual([
      { tool: 'flavored', at: expect.any(String), paths: [{ path: '/result/content/0/text', champion: '"a: two"', challenger: '"b: two"' }] },
      { tool: 'flavored', at: expect.any(String), paths: [{ path: '/result/content/0/text', champion: '"a: one"', challenger: '"b: one"' }] },
    ]);

    // Example values are fragments of real answers: a VIEWER sees where answers differ, not what they say.
    const asViewer = await cp.gql<{ rollout: { shadow: Pick<ShadowView, 'examples'> } }>(
      `query($id: ID!) { rollout(id: $id) { shadow { examples { tool paths { path champion challenger } } } } }`,
      { id: rolloutId },
      await cp.keyFor(ApiKeyRole.VIEWER),
    );
    expect(asViewer.data?.rollout.shadow.examples[0]).toEqual({ tool: 'flavored', paths: [{ path: '/result/content/0/text', champion: null, challenger: null }] });

    // Payloads are gone from Redis once compared, and nothing of the arguments reached Postgres.
    const redis = cp.app.get<Redis>(REDIS);
    expect(await redis.keys(`${queuePrefixFor(cp.config.databaseUrl)}:shadow:payload:*`)).toEqual([]);
    for (const table of ['ToolInvocation', 'ShadowComparison', 'Rollout', 'RolloutEvent', 'AdminEvent']) {
      const rows = await cp.prisma.$queryRawUnsafe<Array<{ row: string }>>(`SELECT row_to_json(t)::text AS row FROM "${table}" t`);
      expect(rows.filter(({ row }) => row.includes(secret))).toEqual([]);
    }

    // The analysis tick: 2 of 9 differ, above the 10 % allowed: the SHADOW gate rolls back.
    const outcome = await cp.app.get(RolloutAnalysisService).analyzeRollout(rolloutId, { tickAt: Date.now() });
    expect(outcome).toMatchObject({ result: 'applied', events: ['ROLLED_BACK'] });
    const event = await cp.prisma.rolloutEvent.findFirstOrThrow({ where: { rolloutId, kind: 'ROLLED_BACK' } });
    const gates = (event.metrics as { gates: Array<{ gate: string; verdict: string; details: Record<string, unknown> }> }).gates;
    expect(gates.find((gate) => gate.gate === 'shadowDiff')).toMatchObject({ verdict: 'breach', details: { compared: 9, differing: 2 } });
    expect(event.reason).toMatch(/shadow diff rate 22\.22% exceeds 10\.00%/);
  }, SLOW);

  it('never sends a shadow call where the residency policy forbids: with the challenger only outside it, calls are not compared', async () => {
    const name = 'shadowed-eu';
    const pool = (jurisdiction: string) =>
      cp.prisma.nodepool.create({ data: { name: `shadow-${jurisdiction.toLowerCase()}-${randomUUID().slice(0, 8)}`, kind: 'SAAS', region: `${jurisdiction.toLowerCase()}-1`, jurisdiction } });
    const [eu, us] = [await pool('EU'), await pool('US')];
    const server = await cp.prisma.mcpServer.create({ data: { name } });
    await cp.prisma.routePolicy.create({ data: { serverId: server.id, allowedJurisdictions: ['EU'] } });
    const version = (v: string, flavor: string) =>
      cp.prisma.mcpServerVersion.create({ data: { serverId: server.id, version: v, transport: 'STDIO', command: 'node', args: [FIXTURE, '--flavor', flavor] } });
    const [v1, v2] = [await version('1.0.0', 'a'), await version('2.0.0', 'a')];
    const d1 = await cp.prisma.deployment.create({ data: { versionId: v1.id, nodepoolId: eu.id, replicas: 1 } });
    const d2 = await cp.prisma.deployment.create({ data: { versionId: v2.id, nodepoolId: us.id, replicas: 1 } });
    await startRunner(eu.id, 'shadow-eu', [{ ...stdioPlacement(d1.id, name, FIXTURE, ['--flavor', 'a']), versionId: v1.id }]);
    await startRunner(us.id, 'shadow-us', [{ ...stdioPlacement(d2.id, name, FIXTURE, ['--flavor', 'a']), versionId: v2.id }]);
    await cp.app.get(PlacementService).replan();
    expect(await cp.prisma.placement.count({ where: { deploymentId: d2.id } })).toBe(1);

    const { startRollout } = await gql<{ startRollout: { id: string } }>(`mutation($input: StartRolloutInput!) { startRollout(input: $input) { id } }`, {
      input: { serverName: name, championVersionId: v1.id, challengerVersionId: v2.id, shadowTools: ['echo'] },
    });
    await gql(`mutation($id: ID!) { advanceRollout(id: $id) { phase } }`, { id: startRollout.id });
    const euClient = new Client({ name: 'shadow-e2e-eu', version: '0.0.0' });
    await euClient.connect(new StreamableHTTPClientTransport(new URL(`${cp.url}/mcp/${name}`), { requestInit: { headers: { Authorization: `Bearer ${agentKey}` } } }));
    try {
      const before = processed.length;
      expect(await euClient.callTool({ name: 'echo', arguments: { message: 'stay in the EU' } })).toMatchObject({ content: [{ type: 'text', text: 'Echo: stay in the EU' }] });
      await waitFor(() => processed.length > before, 'the mirrored echo call', { timeoutMs: 30_000 });
      expect(processed.at(-1)).toMatchObject({ job: { rolloutId: startRollout.id, tool: 'echo' }, result: { verdict: 'not-compared', reason: expect.stringContaining('jurisdiction US not in [EU]') } });
      expect(await cp.prisma.toolInvocation.count({ where: { serverName: name, versionId: v2.id } })).toBe(0);
      expect(await cp.prisma.shadowComparison.findMany({ where: { rolloutId: startRollout.id }, select: { verdict: true } })).toEqual([{ verdict: 'not-compared' }]);
    } finally {
      await euClient.close();
    }
  }, SLOW);
});
