// Invariants of route() over generated worlds: any nodepools, runners, versions, deployments,
// residency rules, health and arm policies.
import fc from 'fast-check';
import type { ArmPolicy } from './arms/arm-policy.js';
import { maxEjectedRunners } from './health/ejection.js';
import { freshRunnerHealth, type HealthState } from './health/runner-health.js';
import { residencyViolation } from './residency.js';
import { route, type RouteSnapshot } from './route.js';
import { DEFAULT_ROUTER_CONFIG } from './router-config.js';
import { seededRng } from './seeded-rng.js';
import type { ArmInfo, Candidate, NodepoolInfo, NodepoolKind, RunnerInfo } from './types.js';

const JURISDICTIONS = ['EU', 'US', 'CH'];
const REGIONS = ['eu-west-1', 'us-east-1', 'ch-zurich'];
const KINDS: NodepoolKind[] = ['SAAS', 'VPC', 'ON_PREM'];
const NOW = 100_000;

const snapshotArb: fc.Arbitrary<RouteSnapshot> = fc
  .record({
    pools: fc.array(
      fc.record({
        kind: fc.constantFrom(...KINDS),
        region: fc.constantFrom(...REGIONS),
        jurisdiction: fc.constantFrom(...JURISDICTIONS),
        costPerCall: fc.constantFrom(0, 0.01, 0.1),
        runners: fc.array(fc.record({ outstanding: fc.nat(5), ejectedAt: fc.option(fc.nat(NOW)), probeDown: fc.boolean() }), { minLength: 1, maxLength: 5 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    arms: fc.array(fc.record({ rolledBack: fc.boolean(), stateless: fc.boolean(), toolsHash: fc.constantFrom(null, 'h1', 'h2'), weight: fc.constantFrom(0, 0.05, 0.5, 1, 3) }), {
      minLength: 1,
      maxLength: 4,
    }),
    deployedMask: fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }),
    allowedJurisdictions: fc.subarray(JURISDICTIONS),
    allowedRegions: fc.subarray(REGIONS),
    allowedKinds: fc.subarray(KINDS),
    failoverOrder: fc.shuffledSubarray(['pool0', 'pool1', 'pool2', 'pool3']),
    armKind: fc.constantFrom('WEIGHTED' as const, 'THOMPSON' as const, 'UCB1' as const, 'EPSILON_GREEDY' as const),
    stats: fc.array(fc.record({ count: fc.nat(500), rate: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 4, maxLength: 4 }),
  })
  .map((g) => {
    const nodepools: NodepoolInfo[] = g.pools.map((p, i) => ({ id: `np${i}`, name: `pool${i}`, kind: p.kind, region: p.region, jurisdiction: p.jurisdiction, costPerCall: p.costPerCall }));
    const runners: RunnerInfo[] = [];
    const health: Record<string, HealthState['runners'][string]> = {};
    g.pools.forEach((p, i) =>
      p.runners.forEach((r, j) => {
        const id = `np${i}-r${j}`;
        runners.push({ id, nodepoolId: `np${i}`, outstanding: r.outstanding });
        health[id] = {
          ...freshRunnerHealth(),
          probeDown: r.probeDown,
          ...(r.ejectedAt !== null ? { ejections: 1, ejectedAt: r.ejectedAt, ejectedUntil: r.ejectedAt + 30_000, ejectionCause: 'consecutive-failures' as const } : {}),
        };
      }),
    );
    const arms: ArmInfo[] = g.arms.map((a, i) => ({ versionId: `v${i}`, stateless: a.stateless, toolsHash: a.toolsHash, rolledBack: a.rolledBack }));
    const candidates: Candidate[] = [];
    let bit = 0;
    for (const r of runners) for (const a of arms) if (g.deployedMask[bit++ % g.deployedMask.length]) candidates.push({ runnerId: r.id, nodepoolId: r.nodepoolId, versionId: a.versionId });
    const armPolicy: ArmPolicy =
      g.armKind === 'WEIGHTED'
        ? { kind: 'WEIGHTED', weights: Object.fromEntries(g.arms.map((a, i) => [`v${i}`, a.weight])) }
        : {
            kind: g.armKind,
            params: { draws: 50 },
            stats: Object.fromEntries(arms.map((a, i) => [a.versionId, { count: g.stats[i]!.count, rewardSum: g.stats[i]!.count * g.stats[i]!.rate, updatedAt: NOW }])),
          };
    return {
      policy: { id: 'policy', serverName: 'srv', allowedJurisdictions: g.allowedJurisdictions, allowedRegions: g.allowedRegions, allowedKinds: g.allowedKinds, failoverOrder: g.failoverOrder },
      nodepools,
      runners,
      arms,
      candidates,
      armPolicy,
      health: { intervalStartedAt: 0, runners: health },
    };
  });

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('route() properties', () => {
  it('residency is never violated: a chosen runner is always inside the allowed places', () => {
    const seen = { decisions: 0, residencyRefusals: 0 };
    fc.assert(
      fc.property(snapshotArb, seedArb, (snapshot, seed) => {
        const result = route({}, snapshot, { now: NOW, rng: seededRng(seed) });
        const anyAllowed = snapshot.candidates.some(
          (c) => !residencyViolation(snapshot.nodepools.find((n) => n.id === c.nodepoolId), snapshot.policy) && !snapshot.arms.find((a) => a.versionId === c.versionId)!.rolledBack,
        );
        if (!result.ok) {
          // Refused for residency only when really nothing active is allowed.
          if (result.reason === 'RESIDENCY') {
            seen.residencyRefusals += 1;
            expect(anyAllowed).toBe(false);
          }
          return;
        }
        seen.decisions += 1;
        expect(anyAllowed).toBe(true);
        const pool = snapshot.nodepools.find((n) => n.id === result.nodepoolId);
        expect(residencyViolation(pool, snapshot.policy)).toBeUndefined();
        expect(snapshot.runners.find((r) => r.id === result.runnerId)?.nodepoolId).toBe(result.nodepoolId);
        expect(snapshot.candidates).toContainEqual({ runnerId: result.runnerId, nodepoolId: result.nodepoolId, versionId: result.versionId });
      }),
      { numRuns: 300 },
    );
    // The generator must exercise both sides, or the property above proves little.
    expect(seen.decisions).toBeGreaterThan(30);
    expect(seen.residencyRefusals).toBeGreaterThan(30);
  });

  it('shares sum to 1, propensity is in (0, 1] and equals the chosen arm’s share, rolled-back arms are never chosen', () => {
    fc.assert(
      fc.property(snapshotArb, seedArb, (snapshot, seed) => {
        const result = route({}, snapshot, { now: NOW, rng: seededRng(seed) });
        if (!result.ok) return;
        const shares = result.trace.shares.map((s) => s.share);
        expect(Math.abs(sum(shares) - 1)).toBeLessThan(1e-9);
        expect(result.propensity).toBeGreaterThan(0);
        expect(result.propensity).toBeLessThanOrEqual(1);
        expect(result.trace.shares.find((s) => s.versionId === result.versionId)?.share).toBe(result.propensity);
        expect(snapshot.arms.find((a) => a.versionId === result.versionId)?.rolledBack).toBe(false);
        for (const s of result.trace.shares) expect(snapshot.arms.find((a) => a.versionId === s.versionId)?.rolledBack).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('bandits keep at least min(floor, 1/k) for every available (healthy) arm', () => {
    fc.assert(
      fc.property(snapshotArb, seedArb, (snapshot, seed) => {
        fc.pre(snapshot.armPolicy.kind !== 'WEIGHTED');
        const result = route({}, snapshot, { now: NOW, rng: seededRng(seed) });
        if (!result.ok) return;
        const floor = Math.min(DEFAULT_ROUTER_CONFIG.floorShare, 1 / result.trace.shares.length);
        for (const s of result.trace.shares) expect(s.share).toBeGreaterThanOrEqual(floor - 1e-12);
      }),
      { numRuns: 200 },
    );
  });

  it('ejection never exceeds the maximum share of the eligible runners', () => {
    fc.assert(
      fc.property(snapshotArb, seedArb, (snapshot, seed) => {
        const result = route({}, snapshot, { now: NOW, rng: seededRng(seed) });
        if (!result.ok) return;
        const eligibleRunners = new Set(
          snapshot.candidates
            .filter((c) => !residencyViolation(snapshot.nodepools.find((n) => n.id === c.nodepoolId), snapshot.policy))
            .filter((c) => !snapshot.arms.find((a) => a.versionId === c.versionId)!.rolledBack)
            .map((c) => c.runnerId),
        );
        expect(result.trace.ejectedRunners.length).toBeLessThanOrEqual(maxEjectedRunners(eligibleRunners.size, DEFAULT_ROUTER_CONFIG.outlier));
        // The chosen runner is healthy unless the router is in panic.
        if (!result.trace.panic) {
          expect(result.trace.ejectedRunners).not.toContain(result.runnerId);
          expect(result.trace.probeDownRunners).not.toContain(result.runnerId);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: the same snapshot, now and seed give the same decision', () => {
    fc.assert(
      fc.property(snapshotArb, seedArb, (snapshot, seed) => {
        expect(route({}, snapshot, { now: NOW, rng: seededRng(seed) })).toEqual(route({}, snapshot, { now: NOW, rng: seededRng(seed) }));
      }),
      { numRuns: 150 },
    );
  });

  it('over many decisions, each arm is chosen about as often as its share says', () => {
    const snapshot: RouteSnapshot = {
      policy: { id: 'p', serverName: 's', allowedJurisdictions: [], allowedRegions: [], allowedKinds: [], failoverOrder: [] },
      nodepools: [{ id: 'np', name: 'np', kind: 'SAAS', region: 'r', jurisdiction: 'EU', costPerCall: 0 }],
      runners: [{ id: 'r0', nodepoolId: 'np', outstanding: 0 }],
      arms: ['a', 'b', 'c'].map((versionId) => ({ versionId, stateless: false, toolsHash: null, rolledBack: false })),
      candidates: ['a', 'b', 'c'].map((versionId) => ({ runnerId: 'r0', nodepoolId: 'np', versionId })),
      armPolicy: { kind: 'WEIGHTED', weights: { a: 0.7, b: 0.2, c: 0.1 } },
      health: { intervalStartedAt: 0, runners: {} },
    };
    const rng = seededRng(99);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const r = route({}, snapshot, { now: 0, rng });
      if (r.ok) counts[r.versionId]! += 1;
    }
    expect(counts.a! / n).toBeCloseTo(0.7, 1);
    expect(counts.b! / n).toBeCloseTo(0.2, 1);
    expect(counts.c! / n).toBeCloseTo(0.1, 1);
  });
});
