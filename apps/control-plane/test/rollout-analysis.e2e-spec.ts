// The automated analysis on a real control plane and Postgres, driven tick by tick: synthetic
// audited calls go in, the analysis measures its window, the pure state machine decides, and the
// decision is stored with its numbers.
import { RolloutAnalysisService } from '../src/rollouts/rollout-analysis.service.js';
import { RolloutWeights } from '../src/rollouts/rollout-weights.js';
import { startControlPlane, ApiKeyRole, type TestControlPlane } from './harness.js';
import { insertCalls, rolloutServer, type RolloutServer } from './rollout-fixtures.js';

describe('scheduled rollout analysis, tick by tick', () => {
  let sut: TestControlPlane;
  let operator: string;
  let analysis: RolloutAnalysisService;

  beforeAll(async () => {
    // The schedule itself is exercised in rollout-analysis-replicas.e2e-spec.ts; here the ticks are ours.
    sut = await startControlPlane({ SWITCHYARD_ROLLOUT_ANALYSIS_SECONDS: '3600' });
    operator = await sut.keyFor(ApiKeyRole.OPERATOR);
    analysis = sut.app.get(RolloutAnalysisService);
  });
  afterAll(() => sut.close());

  const start = async (s: RolloutServer, config: Record<string, unknown>): Promise<string> => {
    const response = await sut.gql<{ startRollout: { id: string } }>(
      `mutation($input: StartRolloutInput!) { startRollout(input: $input) { id } }`,
      { input: { serverId: s.serverId, challengerVersionId: s.challengerVersionId, config } },
      operator,
    );
    expect(response.errors).toBeUndefined();
    return response.data!.startRollout.id;
  };
  const advance = async (id: string) => {
    const response = await sut.gql(`mutation($id: ID!) { advanceRollout(id: $id) { id } }`, { id }, operator);
    expect(response.errors).toBeUndefined();
  };
  const rowOf = (id: string) => sut.prisma.rollout.findUniqueOrThrow({ where: { id } });
  const analysisEvents = (id: string) => sut.prisma.rolloutEvent.findMany({ where: { rolloutId: id, actorType: 'ANALYSIS' }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });
  const tick = (id: string, at: number) => analysis.analyzeRollout(id, { tickAt: at, now: at });

  it('holds while the sample is short, steps the canary up on good data, and rolls back on a challenger that fails', async () => {
    const s = await rolloutServer(sut.prisma, 'good-then-bad');
    const id = await start(s, {
      shadow: { enabled: false },
      canary: { steps: [0.1, 0.5], minCallsPerStep: 50, minStepDurationMs: 1000 },
      errorRate: { minCallsPerNodepool: 20 },
      latency: { minSamplesPerNodepool: 20 },
    });
    await advance(id); // PILOT → CANARY at 10%
    const w0 = (await rowOf(id)).stepStartedAt.getTime();
    const calls = (versionId: string, count: number, at: number, outcome: 'OK' | 'TOOL_ERROR' = 'OK', latencyMs = 100) =>
      insertCalls(sut.prisma, { serverName: s.serverName, nodepoolId: s.nodepoolId, versionId, count, at: new Date(at), outcome, latencyMs });

    await calls(s.championVersionId, 300, w0 + 100);
    await calls(s.challengerVersionId, 30, w0 + 100, 'OK', 105);
    expect(await tick(id, w0 + 500)).toEqual({ rolloutId: id, result: 'held', phase: 'CANARY' });
    const held = await rowOf(id);
    expect(held.lastAssessment).toMatchObject({ phase: 'CANARY', verdict: 'wait', window: { from: w0, to: w0 + 500 }, tick: { at: w0 + 500 } });
    expect(held.version).toBe(2); // the tick is recorded even when nothing moved

    await calls(s.challengerVersionId, 30, w0 + 600, 'OK', 105);
    expect(await tick(id, w0 + 2000)).toEqual({ rolloutId: id, result: 'applied', events: ['WEIGHT_STEP'], phase: 'CANARY' });
    const stepped = await rowOf(id);
    expect(stepped).toMatchObject({ canaryStep: 1, stepStartedAt: new Date(w0 + 2000), lastAnalysisTickAt: new Date(w0 + 2000) });
    expect(stepped.weights).toEqual({ [s.championVersionId]: 0.5, [s.challengerVersionId]: 0.5 });
    const [step] = await analysisEvents(id);
    expect(step).toMatchObject({ kind: 'WEIGHT_STEP', fromPhase: 'CANARY', toPhase: 'CANARY', reason: 'gates passed in CANARY', actorKeyId: null });
    const gates = (step!.metrics as { gates: Array<{ gate: string; verdict: string; details: Record<string, unknown> }> }).gates;
    expect(gates.find((g) => g.gate === 'errorRate')).toMatchObject({ verdict: 'pass', details: { championCalls: 300, challengerCalls: 60, challengerErrors: 0 } });
    expect(gates.find((g) => g.gate === 'latency')).toMatchObject({ verdict: 'pass', details: { championP95Ms: 100, challengerP95Ms: 105 } });
    expect(step!.metrics).toMatchObject({ verdict: 'pass', tick: { at: w0 + 2000, replicaId: analysis.replicaId } });

    // The new step's window starts at the step: the calls above are not in it. Now 40% failures.
    const w1 = w0 + 2000;
    await calls(s.championVersionId, 300, w1 + 100);
    await calls(s.challengerVersionId, 60, w1 + 100);
    await calls(s.challengerVersionId, 40, w1 + 100, 'TOOL_ERROR');
    expect(await tick(id, w1 + 300)).toMatchObject({ result: 'applied', events: ['ROLLED_BACK'], phase: 'ROLLED_BACK' });
    const events = await analysisEvents(id);
    expect(events.map((e) => e.kind)).toEqual(['WEIGHT_STEP', 'ROLLED_BACK']);
    expect(events[1]!.reason).toMatch(new RegExp(`^gate breached: nodepool ${s.nodepoolId}: challenger error rate 40\\.00% exceeds champion 0\\.00%`));
    expect((await rowOf(id)).weights).toEqual({ [s.championVersionId]: 1, [s.challengerVersionId]: 0 });
    expect(await sut.app.get(RolloutWeights).forServer(s.serverId)).toBeNull();
    // A finished rollout is left alone.
    expect(await tick(id, w1 + 5000)).toEqual({ rolloutId: id, result: 'finished' });
  });

  it('promotes from DECISION when the propensity-weighted rewards show the challenger is not worse', async () => {
    const s = await rolloutServer(sut.prisma, 'promote');
    const id = await start(s, {
      shadow: { enabled: false },
      bandit: { enabled: false },
      canary: { steps: [0.5], minCallsPerStep: 10, minStepDurationMs: 1000 },
      decision: { minRecords: 400, minDurationMs: 1000, nonInferiorityMargin: 0.1 },
    });
    await advance(id); // CANARY
    await advance(id); // DECISION, by operator
    const row = await rowOf(id);
    expect(row.phase).toBe('DECISION');
    const w = row.stepStartedAt.getTime();
    for (const versionId of [s.championVersionId, s.challengerVersionId]) {
      const base = { serverName: s.serverName, nodepoolId: s.nodepoolId, versionId, at: new Date(w + 100), propensity: 0.5, latencyMs: 0 };
      await insertCalls(sut.prisma, { ...base, count: 450 });
      await insertCalls(sut.prisma, { ...base, count: 50, outcome: 'TOOL_ERROR' });
    }
    expect(await tick(id, w + 2000)).toMatchObject({ result: 'applied', events: ['PROMOTED'], phase: 'PROMOTED' });
    const [promoted] = await analysisEvents(id);
    const decision = (promoted!.metrics as { gates: Array<{ gate: string; verdict: string; details: Record<string, unknown> }> }).gates.find((g) => g.gate === 'decision');
    expect(decision?.verdict).toBe('pass');
    expect(decision?.details).toMatchObject({ champion: { records: 500 }, challenger: { records: 500 } });
    expect((await rowOf(id)).weights).toEqual({ [s.championVersionId]: 0, [s.challengerVersionId]: 1 });
  });

  it('applies the maximum-duration outcome when the data stays inconclusive: the configured abort, and the default roll back', async () => {
    const s = await rolloutServer(sut.prisma, 'timeout');
    const aborted = await start(s, { pilot: { maxDurationMs: 60_000, onMaxDuration: 'abort' } });
    const startedAt = (await rowOf(aborted)).phaseStartedAt.getTime();
    expect(await tick(aborted, startedAt + 59_000)).toMatchObject({ result: 'held', phase: 'PILOT' });
    expect(await tick(aborted, startedAt + 61_000)).toMatchObject({ result: 'applied', events: ['ABORTED'], phase: 'ABORTED' });
    expect((await analysisEvents(aborted))[0]!.reason).toBe('PILOT reached its maximum duration of 1 min without a verdict: abort');

    const rolledBack = await start(s, { shadow: { enabled: false }, canary: { minStepDurationMs: 1000, maxDurationMs: 120_000 } });
    await advance(rolledBack);
    const canaryAt = (await rowOf(rolledBack)).phaseStartedAt.getTime();
    expect(await tick(rolledBack, canaryAt + 121_000)).toMatchObject({ result: 'applied', events: ['ROLLED_BACK'] });
    expect((await analysisEvents(rolledBack))[0]!.reason).toBe('CANARY reached its maximum duration of 2 min without a verdict: rollback');
  });

  it('applies a tick once: the same or an older tick again changes nothing', async () => {
    const s = await rolloutServer(sut.prisma, 'idempotent');
    const id = await start(s, { shadow: { enabled: false }, canary: { steps: [0.1, 0.2, 0.3], minCallsPerStep: 0, minStepDurationMs: 1 } });
    await advance(id);
    const w = (await rowOf(id)).stepStartedAt.getTime();
    expect(await tick(id, w + 10)).toMatchObject({ result: 'applied', events: ['WEIGHT_STEP'] });
    expect(await analysis.analyzeRollout(id, { tickAt: w + 10, now: w + 20 })).toEqual({ rolloutId: id, result: 'already-analysed' });
    expect(await analysis.analyzeRollout(id, { tickAt: w + 5, now: w + 20 })).toEqual({ rolloutId: id, result: 'already-analysed' });
    expect((await rowOf(id)).canaryStep).toBe(1);
    expect(await analysisEvents(id)).toHaveLength(1);
  });
});
