// Two control-plane replicas on one database and one Redis, both running the scheduled analysis:
// every analysis tick is applied to a rollout exactly once.
import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '../src/config/config.js';
import { createApp } from '../src/create-app.js';
import { createLogger } from '../src/logging/logger.js';
import { CLI_ACTOR } from '../src/admin-events/actor.js';
import { RolloutAnalysisScheduler } from '../src/rollouts/rollout-analysis.scheduler.js';
import { RolloutAnalysisService } from '../src/rollouts/rollout-analysis.service.js';
import { RolloutsService } from '../src/rollouts/rollouts.service.js';
import { ApiKeyRole, startControlPlane, testConfigEnv, type TestControlPlane } from './harness.js';
import { rolloutServer } from './rollout-fixtures.js';

jest.setTimeout(60_000);

const EVERY_SECONDS = 1;
/** Many tiny steps, each passing at once (no calls needed, 1 ms): every applied tick moves one step. */
const ONE_STEP_PER_TICK = {
  shadow: { enabled: false },
  canary: { steps: Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100), minCallsPerStep: 0, minStepDurationMs: 1 },
};

interface TickInfo {
  tick: { at: number; replicaId: string };
}

describe('rollout analysis across two replicas', () => {
  let a: TestControlPlane;
  let b: NestFastifyApplication;
  let operator: string;

  beforeAll(async () => {
    const env = { SWITCHYARD_ROLLOUT_ANALYSIS_SECONDS: String(EVERY_SECONDS) };
    a = await startControlPlane(env);
    // The second replica: same database and Redis, its own worker and scheduler upsert.
    const config = loadConfig(testConfigEnv(a.database.url, { ...env, SWITCHYARD_SECRETS_KEY: a.config.secretsKey.toString('base64') }));
    b = await createApp(config, createLogger(config.logLevel));
    await b.init();
    operator = await a.keyFor(ApiKeyRole.OPERATOR);
    // Both replicas have looked at the schedule: no later upsert shifts the ticks.
    await Promise.all([a.app.get(RolloutAnalysisScheduler).scheduled, b.get(RolloutAnalysisScheduler).scheduled]);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const startCanary = async (): Promise<string> => {
    const s = await rolloutServer(a.prisma, 'replicas');
    const started = await a.gql<{ startRollout: { id: string } }>(
      `mutation($input: StartRolloutInput!) { startRollout(input: $input) { id } }`,
      { input: { serverId: s.serverId, challengerVersionId: s.challengerVersionId, config: ONE_STEP_PER_TICK } },
      operator,
    );
    expect(started.errors).toBeUndefined();
    const id = started.data!.startRollout.id;
    expect((await a.gql(`mutation($id: ID!) { advanceRollout(id: $id) { phase } }`, { id }, operator)).errors).toBeUndefined();
    return id;
  };
  const stepEvents = (rolloutId: string) =>
    a.prisma.rolloutEvent.findMany({ where: { rolloutId, actorType: 'ANALYSIS' }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });

  it('the schedule applies each tick once: one step per scheduled tick, one schedule for both replicas', async () => {
    const id = await startCanary();
    // Wait for the schedule to act a few times (polls the database: the events are the signal).
    let events = await stepEvents(id);
    const deadline = Date.now() + 30_000;
    while (events.length < 4 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      events = await stepEvents(id);
    }
    expect(events.length).toBeGreaterThanOrEqual(4);
    const ticks = events.map((e) => (e.metrics as unknown as TickInfo).tick.at);
    // One event per tick: had both replicas applied a tick, its id would appear twice.
    expect(new Set(ticks).size).toBe(ticks.length);
    // And one schedule, not one per replica: BullMQ plans each run about one interval after the
    // previous one (a few ms either way, measured 990-1080 ms at 1 s), so the ticks' span holds
    // at most ~one tick per interval; two schedules would put twice as many into it.
    const every = EVERY_SECONDS * 1000;
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil(((ticks.at(-1)! - ticks[0]!) / every) * 1.25) + 1);
    expect(events.every((e) => e.kind === 'WEIGHT_STEP')).toBe(true);
    const row = await a.prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(row.canaryStep).toBeGreaterThanOrEqual(events.length);
    const replicas = new Set(events.map((e) => (e.metrics as unknown as TickInfo).tick.replicaId));
    const known = new Set<string>([a.app.get(RolloutAnalysisService).replicaId, b.get(RolloutAnalysisService).replicaId]);
    expect([...replicas].every((r) => known.has(r))).toBe(true);
  });

  it('the same tick run on both replicas at the same moment is applied by exactly one (row lock + last tick)', async () => {
    const id = await startCanary();
    const onA = a.app.get(RolloutAnalysisService);
    const onB = b.get(RolloutAnalysisService);
    // Ticks beyond any the schedule will produce during the test, so only ours can carry them.
    const base = Date.now() + 3_600_000;
    for (let round = 0; round < 5; round += 1) {
      const tickAt = base + round * 1000;
      const [fromA, fromB] = await Promise.all([onA.analyzeRollout(id, { tickAt }), onB.analyzeRollout(id, { tickAt })]);
      expect([fromA.result, fromB.result].sort()).toEqual(['already-analysed', 'applied']);
      const applied = (await stepEvents(id)).filter((e) => (e.metrics as unknown as TickInfo).tick.at === tickAt);
      expect(applied).toHaveLength(1);
    }
  });

  it('operator commands issued on both replicas at once are applied one after the other, none lost', async () => {
    const id = await startCanary();
    const services = [a.app.get(RolloutsService), b.get(RolloutsService)];
    const commands = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'pause' : 'resume') as 'pause' | 'resume');
    const results = await Promise.allSettled(commands.map((command, i) => services[i % 2]!.command(CLI_ACTOR, id, command)));
    const accepted = results.filter((r) => r.status === 'fulfilled').length;
    expect(accepted).toBeGreaterThan(0);
    const operatorEvents = await a.prisma.rolloutEvent.findMany({ where: { rolloutId: id, kind: { in: ['PAUSED', 'RESUMED'] } } });
    expect(operatorEvents).toHaveLength(accepted);
    // Each command saw the state the one before it left: pauses and resumes alternate, so there is
    // at most one more pause than resumes, and the final phase says which came last. (Two commands
    // acting on the same stale state would have produced two pauses of one CANARY.)
    const pauses = operatorEvents.filter((e) => e.kind === 'PAUSED').length;
    const { phase } = await a.prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(pauses - (operatorEvents.length - pauses)).toBe(phase === 'PAUSED' ? 1 : 0);
  });
});
