// The rollout ladder on the real stack, decided by the scheduled analysis alone: two versions of a
// real stdio MCP server (the relay fixture) on a runner process, real sessions and calls through
// /mcp/<server>, the BullMQ analysis every second reading the audited calls. A challenger that
// fails 20 % of its calls is rolled back by the analysis and the next sessions go to the champion;
// a challenger as good as the champion climbs the canary steps, passes DECISION and is promoted,
// with the bandit off and, on a third server, through BANDIT.
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
/** How long a rollout may take to reach its verdict here; the configs below need a few seconds. */
const VERDICT_DEADLINE_MS = 25_000;
const CALLS_PER_SESSION = 10;
/**
 * Small minimums so the ladder runs in seconds. The latency gate gets a wide slack: both versions
 * are the same program on one machine, and a GC pause must not decide a test about error rates.
 */
const FAST_GATES = {
  shadow: { enabled: false },
  errorRate: { minCallsPerNodepool: 20 },
  latency: { minSamplesPerNodepool: 20, p95SlackMs: 10_000 },
};

interface Ladder {
  serverName: string;
  champion: string;
  challenger: string;
}

describe('rollout ladder on the real stack: analysis rolls back a bad challenger and promotes a good one', () => {
  let cp: TestControlPlane;
  let runner: RunnerProcess;
  let agentKey: string;
  let operatorKey: string;
  let nodepoolId: string;
  const ladders: Record<'bad' | 'good' | 'bandit', Ladder> = {} as Record<'bad' | 'good' | 'bandit', Ladder>;

  beforeAll(async () => {
    // The traffic below is one client key sending as fast as it can: no rate limit in its way.
    cp = await startControlPlane({ SWITCHYARD_ROLLOUT_ANALYSIS_SECONDS: '1', SWITCHYARD_MCP_RATE_LIMIT_PER_SECOND: '100000' });
    const nodepool = await cp.prisma.nodepool.create({ data: { name: `ladder-${randomUUID().slice(0, 8)}`, kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } });
    nodepoolId = nodepool.id;
    const key = createUser();
    const row = await cp.prisma.runner.create({ data: { nodepoolId, name: 'ladder-runner', publicKey: key.getPublicKey(), capacity: 8 } });
    const placements: unknown[] = [];
    // Each version with its own failure rate, declared in the launch spec's env as a deployment would.
    for (const [name, challengerRate] of [['bad', '0.2'], ['good', '0'], ['bandit', '0']] as const) {
      const serverName = `ladder-${name}`;
      const server = await cp.prisma.mcpServer.create({ data: { name: serverName } });
      const ids: string[] = [];
      for (const [version, rate] of [['1.0.0', '0'], ['2.0.0', challengerRate]] as const) {
        const v = await cp.prisma.mcpServerVersion.create({ data: { serverId: server.id, version, transport: 'STDIO', command: 'node', args: [RELAY_FIXTURE_SERVER], env: { FLAKY_FAILURE_RATE: rate } } });
        const d = await cp.prisma.deployment.create({ data: { versionId: v.id, nodepoolId, replicas: 1 } });
        const placement = stdioPlacement(d.id, serverName, RELAY_FIXTURE_SERVER);
        placements.push({ ...placement, versionId: v.id, launch: { ...placement.launch, env: { FLAKY_FAILURE_RATE: rate } } });
        ids.push(v.id);
      }
      ladders[name] = { serverName, champion: ids[0]!, challenger: ids[1]! };
    }
    const { jwt } = await cp.app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId: row.id, runnerPublicKey: key.getPublicKey() });
    runner = await startRunnerProcess({ natsUrl: testEnv().natsUrl, runnerId: row.id, creds: credsText(jwt, key), placements });
    await cp.prisma.runner.update({ where: { id: row.id }, data: { status: 'HEALTHY' } });
    await cp.app.get(PlacementService).replan();
    agentKey = (await cp.app.get(ApiKeysService).create(CLI_ACTOR, { name: 'ladder-agent', role: ApiKeyRole.AGENT })).key;
    operatorKey = await cp.keyFor(ApiKeyRole.OPERATOR);
  }, SLOW);

  afterAll(async () => {
    await runner?.stop();
    await cp?.close();
  });

  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await cp.gql<T>(query, variables, operatorKey);
    if (!response.data) throw new Error(JSON.stringify(response.errors));
    return response.data;
  };

  /** Starts a rollout and advances it out of PILOT into CANARY, as an operator would. */
  const startCanary = async (ladder: Ladder, config: Record<string, unknown>): Promise<string> => {
    const { startRollout } = await gql<{ startRollout: { id: string } }>(`mutation($input: StartRolloutInput!) { startRollout(input: $input) { id } }`, {
      input: { serverName: ladder.serverName, championVersionId: ladder.champion, challengerVersionId: ladder.challenger, config },
    });
    const { advanceRollout } = await gql<{ advanceRollout: { phase: string } }>(`mutation($id: ID!) { advanceRollout(id: $id) { phase } }`, { id: startRollout.id });
    expect(advanceRollout.phase).toBe('CANARY');
    return startRollout.id;
  };

  /**
   * One short session: `initialize` (the router places it on a version by the rollout's weights),
   * a few `flaky` calls, DELETE. Stdio servers serve one session at a time, so sessions run one
   * after the other; each new one is a new routing decision. Returns the session id.
   */
  const session = async (ladder: Ladder, calls = CALLS_PER_SESSION): Promise<string | undefined> => {
    const client = new Client({ name: 'ladder-e2e', version: '0.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${cp.url}/mcp/${ladder.serverName}`), { requestInit: { headers: { Authorization: `Bearer ${agentKey}` } } });
    try {
      await client.connect(transport);
      for (let i = 0; i < calls; i++) await client.callTool({ name: 'flaky', arguments: {} });
      return transport.sessionId;
    } catch {
      // A rollback mid-session ends it with 404: the client starts a new one, as real clients do.
      return undefined;
    } finally {
      await transport.terminateSession().catch(() => undefined);
      await client.close().catch(() => undefined);
    }
  };

  /** Real traffic until the analysis moves the rollout to `phase`; then the rollout row. */
  const trafficUntil = async (ladder: Ladder, rolloutId: string, phase: string) => {
    const deadline = Date.now() + VERDICT_DEADLINE_MS;
    for (;;) {
      const row = await cp.prisma.rollout.findUniqueOrThrow({ where: { id: rolloutId } });
      if (row.phase === phase) return row;
      if (Date.now() > deadline) throw new Error(`rollout still ${row.phase} after ${VERDICT_DEADLINE_MS} ms of traffic, not ${phase}; last assessment: ${JSON.stringify(row.lastAssessment)}`);
      await session(ladder);
    }
  };

  const versionOfSession = async (sessionId: string) => {
    const rows = await waitFor(async () => {
      const found = await cp.prisma.toolInvocation.findMany({ where: { sessionId, outcome: { not: 'PENDING' } } });
      return found.length > 0 ? found : undefined;
    }, `the audit rows of session ${sessionId}`);
    return [...new Set(rows.map((row) => row.versionId))];
  };

  const eventsOf = (rolloutId: string) => cp.prisma.rolloutEvent.findMany({ where: { rolloutId }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });
  type Gate = { gate: string; verdict: string; details: Record<string, unknown> };

  it('rolls back a challenger failing 20 % of its calls on the analysis alone, naming the breached gate; the next sessions go to the champion', async () => {
    const ladder = ladders.bad;
    // One step at 50 %, with a sample it would take minutes to finish: only a breach can end it quickly.
    const id = await startCanary(ladder, { ...FAST_GATES, canary: { steps: [0.5], minCallsPerStep: 100_000, minStepDurationMs: 60_000 } });

    const row = await trafficUntil(ladder, id, 'ROLLED_BACK');
    expect(row.weights).toEqual({ [ladder.champion]: 1, [ladder.challenger]: 0 });

    const rolledBack = (await eventsOf(id)).find((event) => event.kind === 'ROLLED_BACK');
    expect(rolledBack).toMatchObject({ actorType: 'ANALYSIS', actorKeyId: null, fromPhase: 'CANARY', toPhase: 'ROLLED_BACK' });
    expect(rolledBack!.reason).toMatch(new RegExp(`^gate breached: nodepool ${nodepoolId}: challenger error rate \\d+\\.\\d+% exceeds champion 0\\.00%`));
    const errorRate = (rolledBack!.metrics as { gates: Gate[] }).gates.find((gate) => gate.gate === 'errorRate');
    expect(errorRate).toMatchObject({ verdict: 'breach', details: { championErrors: 0, challengerErrors: expect.any(Number), challengerCalls: expect.any(Number) } });
    expect(errorRate!.details.challengerErrors as number).toBeGreaterThan(0);

    // The challenger process failed exactly every fifth call it served (FLAKY_FAILURE_RATE=0.2).
    const served = await cp.prisma.toolInvocation.groupBy({ by: ['outcome'], where: { versionId: ladder.challenger, tool: 'flaky' }, _count: true });
    const count = (outcome: string) => served.find((group) => group.outcome === outcome)?._count ?? 0;
    expect(count('TOOL_ERROR')).toBe(Math.floor((count('OK') + count('TOOL_ERROR')) * 0.2));

    for (let i = 0; i < 3; i++) {
      const sessionId = await session(ladder, 1);
      if (sessionId === undefined) throw new Error('a session after the rollback failed');
      expect(await versionOfSession(sessionId)).toEqual([ladder.champion]);
    }
  }, SLOW);

  it('steps a challenger as good as the champion through the canary and DECISION to PROMOTED, every step recorded by the analysis', async () => {
    const ladder = ladders.good;
    const id = await startCanary(ladder, {
      ...FAST_GATES,
      canary: { steps: [0.2, 0.5], minCallsPerStep: 30, minStepDurationMs: 1_000 },
      bandit: { enabled: false },
      decision: { minRecords: 100, minDurationMs: 1_000, nonInferiorityMargin: 0.1 },
    });

    const row = await trafficUntil(ladder, id, 'PROMOTED');
    expect(row.weights).toEqual({ [ladder.champion]: 0, [ladder.challenger]: 1 });

    const events = await eventsOf(id);
    expect(events.map((event) => [event.kind, event.actorType, event.fromPhase, event.toPhase])).toEqual([
      ['STARTED', 'USER', null, 'PILOT'],
      ['ADVANCED', 'USER', 'PILOT', 'CANARY'],
      ['WEIGHT_STEP', 'ANALYSIS', 'CANARY', 'CANARY'],
      ['ADVANCED', 'ANALYSIS', 'CANARY', 'DECISION'],
      ['PROMOTED', 'ANALYSIS', 'DECISION', 'PROMOTED'],
    ]);
    expect(events[2]!.weights).toEqual({ [ladder.champion]: 0.5, [ladder.challenger]: 0.5 });
    const decision = (events[4]!.metrics as { gates: Gate[] }).gates.find((gate) => gate.gate === 'decision');
    expect(decision).toMatchObject({ verdict: 'pass', details: { champion: { records: expect.any(Number) }, challenger: { records: expect.any(Number) } } });

    // Promoted: every new session runs the challenger.
    const sessionId = await session(ladder, 1);
    if (sessionId === undefined) throw new Error('a session after the promotion failed');
    expect(await versionOfSession(sessionId)).toEqual([ladder.challenger]);
  }, SLOW);

  it('goes through BANDIT when the bandit is on: the router allocates sessions with recorded propensities, then DECISION promotes', async () => {
    const ladder = ladders.bandit;
    const id = await startCanary(ladder, {
      ...FAST_GATES,
      canary: { steps: [0.5], minCallsPerStep: 30, minStepDurationMs: 1_000 },
      bandit: { minCalls: 60, minDurationMs: 1_000 },
      decision: { minRecords: 100, minDurationMs: 1_000, nonInferiorityMargin: 0.1 },
    });

    await trafficUntil(ladder, id, 'PROMOTED');

    const events = await eventsOf(id);
    expect(events.filter((event) => event.actorType === 'ANALYSIS').map((event) => [event.kind, event.fromPhase, event.toPhase])).toEqual([
      ['ADVANCED', 'CANARY', 'BANDIT'],
      ['ADVANCED', 'BANDIT', 'DECISION'],
      ['PROMOTED', 'DECISION', 'PROMOTED'],
    ]);
    // In BANDIT each session's arm was drawn by the router's Thompson sampling (preferences refreshed
    // every second from the arms' rewards), its probability kept on every call: not the fixed 50/50.
    const banditPhase = { gte: events[2]!.at, lt: events[3]!.at };
    const rows = await cp.prisma.toolInvocation.findMany({ where: { serverName: ladder.serverName, startedAt: banditPhase, rolloutId: id }, select: { arm: true, propensity: true } });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect([ladder.champion, ladder.challenger]).toContain(row.arm);
      expect(row.propensity).toBeGreaterThan(0);
      expect(row.propensity).toBeLessThanOrEqual(1);
    }
    expect(new Set(rows.map((row) => row.propensity)).size).toBeGreaterThan(1);
  }, SLOW);
});
