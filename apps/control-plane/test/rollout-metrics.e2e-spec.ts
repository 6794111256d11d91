// The analysis window's metrics, read from audited tool calls in Postgres: which rows count, how
// they are split by nodepool and arm, the p95, and the propensity-weighted reward sums.
import { rewardSumsOf, type RewardRecord } from '@switchyard/rollout';
import { callReward } from '@switchyard/router';
import { RolloutMetricsRepository } from '../src/rollouts/rollout-metrics.repository.js';
import { startControlPlane, type TestControlPlane } from './harness.js';
import { insertCalls, rolloutServer, type CallsSpec, type RolloutServer } from './rollout-fixtures.js';

const T0 = new Date('2026-11-23T12:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** Postgres' percentile_cont: linear interpolation between the closest ranks. */
function percentileCont(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

describe('rollout metrics from ToolInvocation rows', () => {
  let sut: TestControlPlane;
  let metrics: RolloutMetricsRepository;

  beforeAll(async () => {
    sut = await startControlPlane({ SWITCHYARD_ROLLOUT_ANALYSIS_SECONDS: '3600' });
    metrics = sut.app.get(RolloutMetricsRepository);
  });
  afterAll(() => sut.close());

  const windowOf = (s: RolloutServer) => ({ ...s, from: at(0), to: at(60) });

  it('counts finished calls per nodepool and arm by the outcome map, with p95 latency, inside the window only', async () => {
    const s = await rolloutServer(sut.prisma, 'metrics');
    const poolB = (await sut.prisma.nodepool.create({ data: { name: `b-${s.serverName}`, kind: 'SAAS', region: 'eu-west-1', jurisdiction: 'EU' } })).id;
    const calls = (spec: Partial<CallsSpec> & Pick<CallsSpec, 'versionId' | 'count'>) =>
      insertCalls(sut.prisma, { serverName: s.serverName, nodepoolId: s.nodepoolId, at: at(10), ...spec });
    const champion = s.championVersionId;
    const challenger = s.challengerVersionId;

    // Counted, champion on pool A: 100 calls, 10 failures.
    await calls({ versionId: champion, count: 90, latencyMs: (i) => i + 1 });
    await calls({ versionId: champion, count: 5, outcome: 'TOOL_ERROR', latencyMs: 200 });
    await calls({ versionId: champion, count: 3, outcome: 'RPC_ERROR', errorCode: '-32603', latencyMs: 10 });
    await calls({ versionId: champion, count: 2, outcome: 'TIMEOUT', latencyMs: 5000 });
    // Not counted: cancelled, denied, unfinished, cut off by our own shutdown, the champion's
    // mirrored copies, outside the window (the end is exclusive), no nodepool, another server.
    await calls({ versionId: champion, count: 4, outcome: 'CANCELLED', errorCode: 'CLIENT_CANCELLED' });
    await calls({ versionId: champion, count: 3, outcome: 'DENIED', errorCode: 'FORBIDDEN' });
    await calls({ versionId: champion, count: 2, outcome: 'PENDING' });
    await calls({ versionId: champion, count: 2, outcome: 'INTERRUPTED', errorCode: 'CONTROL_PLANE_SHUTDOWN' });
    await calls({ versionId: champion, count: 5, shadow: true, outcome: 'TOOL_ERROR' });
    await calls({ versionId: champion, count: 3, at: at(-1), outcome: 'TOOL_ERROR' });
    await calls({ versionId: champion, count: 3, at: at(60), outcome: 'TOOL_ERROR' });
    await calls({ versionId: champion, count: 2, nodepoolId: null, outcome: 'TOOL_ERROR' });
    await insertCalls(sut.prisma, { serverName: 'another-server', versionId: champion, nodepoolId: s.nodepoolId, count: 3, at: at(10), outcome: 'TOOL_ERROR' });
    // Counted, challenger on pool A: 20 OK, 3 cut off by the server dying, 5 mirrored failures (a
    // shadow call is a real execution of the challenger) → 28 calls, 8 failures.
    await calls({ versionId: challenger, count: 20, latencyMs: 100 });
    await calls({ versionId: challenger, count: 3, outcome: 'INTERRUPTED', errorCode: 'UPSTREAM_EXITED', latencyMs: 30 });
    await calls({ versionId: challenger, count: 5, shadow: true, outcome: 'TOOL_ERROR', latencyMs: 40 });
    // Challenger alone on pool B.
    await calls({ versionId: challenger, count: 10, nodepoolId: poolB, latencyMs: 7 });

    const measured = await metrics.measure(windowOf(s), { rewards: false });
    expect(measured.rewards).toBeUndefined();
    const championLatencies = [...Array.from({ length: 90 }, (_, i) => i + 1), ...Array(5).fill(200), ...Array(3).fill(10), ...Array(2).fill(5000)];
    const challengerLatencies = [...Array(20).fill(100), ...Array(3).fill(30), ...Array(5).fill(40)];
    const byPool = new Map(measured.nodepools.map((pool) => [pool.nodepoolId, pool]));
    expect(byPool.size).toBe(2);
    const a = byPool.get(s.nodepoolId)!;
    expect(a.champion).toMatchObject({ calls: 100, errors: 10, latency: { count: 100 } });
    expect(a.champion.latency!.p95Ms).toBeCloseTo(percentileCont(championLatencies, 0.95), 6);
    expect(a.challenger).toMatchObject({ calls: 28, errors: 8, latency: { count: 28 } });
    expect(a.challenger.latency!.p95Ms).toBeCloseTo(percentileCont(challengerLatencies, 0.95), 6);
    expect(byPool.get(poolB)).toEqual({
      nodepoolId: poolB,
      champion: { calls: 0, errors: 0, latency: null },
      challenger: { calls: 10, errors: 0, latency: { count: 10, p95Ms: 7 } },
    });
  });

  it('sums propensity-weighted rewards per arm (the router reward of each call), from routed calls with a propensity only', async () => {
    const s = await rolloutServer(sut.prisma, 'rewards');
    const calls = (spec: Partial<CallsSpec> & Pick<CallsSpec, 'versionId' | 'count'>) =>
      insertCalls(sut.prisma, { serverName: s.serverName, nodepoolId: s.nodepoolId, at: at(5), ...spec });
    await calls({ versionId: s.championVersionId, count: 40, latencyMs: 0, propensity: 0.5 });
    await calls({ versionId: s.championVersionId, count: 10, outcome: 'TOOL_ERROR', latencyMs: 0, propensity: 0.5 });
    await calls({ versionId: s.challengerVersionId, count: 30, latencyMs: 1000, propensity: 0.25 });
    await calls({ versionId: s.challengerVersionId, count: 6, outcome: 'TIMEOUT', latencyMs: 30_000, propensity: 0.75 });
    // No propensity (not routed by a bandit), shadow, or ignored: no reward record.
    await calls({ versionId: s.challengerVersionId, count: 7, latencyMs: 5 });
    await calls({ versionId: s.challengerVersionId, count: 4, shadow: true, propensity: 0.25 });
    await calls({ versionId: s.championVersionId, count: 3, outcome: 'CANCELLED', propensity: 0.5 });

    const measured = await metrics.measure(windowOf(s), { rewards: true });
    const record = (arm: RewardRecord['arm'], outcome: 'success' | 'failure', latencyMs: number, propensity: number, n: number): RewardRecord[] =>
      Array.from({ length: n }, () => ({ arm, reward: callReward(outcome, latencyMs, 0)!, propensity }));
    const expected = rewardSumsOf([
      ...record('champion', 'success', 0, 0.5, 40),
      ...record('champion', 'failure', 0, 0.5, 10),
      ...record('challenger', 'success', 1000, 0.25, 30),
      ...record('challenger', 'failure', 30_000, 0.75, 6),
    ]);
    for (const arm of ['champion', 'challenger'] as const) {
      expect(measured.rewards![arm].records).toBe(expected[arm].records);
      for (const key of ['sumWeight', 'sumWeightReward', 'sumSquaredWeight', 'sumSquaredWeightReward', 'sumSquaredWeightSquaredReward'] as const) {
        expect(measured.rewards![arm][key]).toBeCloseTo(expected[arm][key], 9);
      }
    }
    // The reward records and the call counts are separate: calls still count the unweighted rows.
    expect(measured.nodepools[0]!.challenger.calls).toBe(30 + 6 + 7 + 4);
  });
});
