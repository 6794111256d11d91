import fc from 'fast-check';
import { planPlacements, type DeploymentDemand, type PlacedReplica, type RunnerSupply } from './placement-planner.js';

const pools = ['pool-a', 'pool-b'];
const gpuNames = ['NVIDIA A100-SXM4-80GB', 'NVIDIA L4', 'NVIDIA H100 80GB HBM3'];

const runnerArb = (id: string) =>
  fc.record({
    id: fc.constant(id),
    nodepoolId: fc.constantFrom(...pools),
    eligible: fc.boolean(),
    slots: fc.integer({ min: 0, max: 4 }),
    gpus: fc
      .array(fc.record({ name: fc.constantFrom(...gpuNames), memoryTotalMiB: fc.constantFrom(24_576, 81_920) }), { maxLength: 4 })
      .map((gpus) => gpus.map((g, index) => ({ ...g, index }))),
  });

const deploymentArb = (id: string) =>
  fc.record({
    id: fc.constant(id),
    nodepoolId: fc.constantFrom(...pools),
    replicas: fc.integer({ min: 0, max: 4 }),
    gpu: fc.oneof(
      fc.constant({ count: 0 }),
      fc.record({ count: fc.integer({ min: 1, max: 2 }), model: fc.constantFrom(null, 'a100', 'L4'), minMemoryMiB: fc.constantFrom(null, 40_000) }),
    ),
  });

const worldArb = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 5 }))
  .chain(([runnerCount, deploymentCount]) =>
    fc.record({
      runners: fc.tuple(...Array.from({ length: runnerCount }, (_, i) => runnerArb(`r${i}`))),
      deployments: fc.tuple(...Array.from({ length: deploymentCount }, (_, i) => deploymentArb(`d${i}`))),
    }),
  );

function checkInvariants(deployments: readonly DeploymentDemand[], runners: readonly RunnerSupply[], placements: PlacedReplica[]): void {
  const runnerById = new Map(runners.map((r) => [r.id, r]));
  for (const deployment of deployments) {
    const mine = placements.filter((p) => p.deploymentId === deployment.id);
    expect(mine.length).toBeLessThanOrEqual(deployment.replicas);
    expect(new Set(mine.map((p) => p.runnerId)).size).toBe(mine.length);
    for (const p of mine) {
      const runner = runnerById.get(p.runnerId)!;
      expect(runner.eligible).toBe(true);
      expect(runner.nodepoolId).toBe(deployment.nodepoolId);
      expect(p.gpuIndexes).toHaveLength(deployment.gpu.count);
      for (const index of p.gpuIndexes) {
        const gpu = runner.gpus.find((g) => g.index === index)!;
        if (deployment.gpu.model) expect(gpu.name.toLowerCase()).toContain(deployment.gpu.model.toLowerCase());
        if (deployment.gpu.minMemoryMiB) expect(gpu.memoryTotalMiB).toBeGreaterThanOrEqual(deployment.gpu.minMemoryMiB);
      }
    }
  }
  for (const runner of runners) {
    const hosted = placements.filter((p) => p.runnerId === runner.id);
    expect(hosted.length).toBeLessThanOrEqual(runner.slots);
    const gpus = hosted.flatMap((p) => p.gpuIndexes);
    expect(new Set(gpus).size).toBe(gpus.length);
  }
}

describe('planPlacements', () => {
  it('never breaks a placement rule, whatever the world looks like', () => {
    fc.assert(
      fc.property(worldArb, ({ runners, deployments }) => {
        const plan = planPlacements(deployments, runners, []);
        checkInvariants(deployments, runners, plan.placements);
        // Every replica is either placed or reported missing.
        for (const d of deployments) {
          const placed = plan.placements.filter((p) => p.deploymentId === d.id).length;
          const missing = plan.shortfalls.find((s) => s.deploymentId === d.id)?.missing ?? 0;
          expect(placed + missing).toBe(d.replicas);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is stable: planning again from its own result changes nothing', () => {
    fc.assert(
      fc.property(worldArb, ({ runners, deployments }) => {
        const first = planPlacements(deployments, runners, []);
        const second = planPlacements(deployments, runners, first.placements);
        expect(second.add).toEqual([]);
        expect(second.remove).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('moves only the replicas of a runner that became ineligible', () => {
    fc.assert(
      fc.property(worldArb, fc.nat(), ({ runners, deployments }, pick) => {
        const first = planPlacements(deployments, runners, []);
        if (runners.length === 0) return;
        const lost = runners[pick % runners.length]!.id;
        const after = runners.map((r) => (r.id === lost ? { ...r, eligible: false } : r));
        const second = planPlacements(deployments, after, first.placements);
        checkInvariants(deployments, after, second.placements);
        expect(second.remove.every((p) => p.runnerId === lost)).toBe(true);
        expect(second.remove).toHaveLength(first.placements.filter((p) => p.runnerId === lost).length);
      }),
      { numRuns: 300 },
    );
  });

  it('spreads replicas over the runners with the most free slots and explains a shortfall', () => {
    const runners: RunnerSupply[] = [
      { id: 'r1', nodepoolId: 'p', eligible: true, slots: 1, gpus: [] },
      { id: 'r2', nodepoolId: 'p', eligible: true, slots: 3, gpus: [] },
      { id: 'r3', nodepoolId: 'p', eligible: false, slots: 9, gpus: [] },
    ];
    const plan = planPlacements([{ id: 'd', nodepoolId: 'p', replicas: 3, gpu: { count: 0 } }], runners, []);
    expect(plan.placements.map((p) => p.runnerId)).toEqual(['r2', 'r1']);
    expect(plan.shortfalls).toEqual([{ deploymentId: 'd', missing: 1, reason: 'not enough runners with a free slot (one replica per runner)' }]);
  });

  it('gives GPUs out once and matches the model', () => {
    const runners: RunnerSupply[] = [
      {
        id: 'gpu-host',
        nodepoolId: 'p',
        eligible: true,
        slots: 4,
        gpus: [
          { index: 0, name: 'NVIDIA L4', memoryTotalMiB: 24_576 },
          { index: 1, name: 'NVIDIA A100-SXM4-80GB', memoryTotalMiB: 81_920 },
          { index: 2, name: 'NVIDIA A100-SXM4-80GB', memoryTotalMiB: 81_920 },
        ],
      },
    ];
    const plan = planPlacements(
      [
        { id: 'a', nodepoolId: 'p', replicas: 1, gpu: { count: 2, model: 'a100' } },
        { id: 'b', nodepoolId: 'p', replicas: 1, gpu: { count: 1, model: 'a100' } },
        { id: 'c', nodepoolId: 'p', replicas: 1, gpu: { count: 1, minMemoryMiB: 20_000 } },
      ],
      runners,
      [],
    );
    expect(plan.placements).toEqual([
      { deploymentId: 'a', runnerId: 'gpu-host', gpuIndexes: [1, 2] },
      { deploymentId: 'c', runnerId: 'gpu-host', gpuIndexes: [0] },
    ]);
    expect(plan.shortfalls).toEqual([{ deploymentId: 'b', missing: 1, reason: 'not enough runners with 1 free matching GPU(s)' }]);
  });

  it('drops surplus replicas when a deployment is scaled down', () => {
    const runners: RunnerSupply[] = ['r1', 'r2', 'r3'].map((id) => ({ id, nodepoolId: 'p', eligible: true, slots: 2, gpus: [] }));
    const current = ['r1', 'r2', 'r3'].map((runnerId) => ({ deploymentId: 'd', runnerId, gpuIndexes: [] }));
    const plan = planPlacements([{ id: 'd', nodepoolId: 'p', replicas: 1, gpu: { count: 0 } }], runners, current);
    expect(plan.placements).toEqual([{ deploymentId: 'd', runnerId: 'r1', gpuIndexes: [] }]);
    expect(plan.remove.map((p) => p.runnerId)).toEqual(['r2', 'r3']);
    expect(plan.add).toEqual([]);
  });
});
