import { arm, scriptedRng, world } from '../test/snapshot-fixtures.js';
import { freshRunnerHealth, type HealthState } from './health/runner-health.js';
import { route, type RouteDecision } from './route.js';
import type { RouteRefusal } from './refusal.js';
import { seededRng } from './seeded-rng.js';

const ctx = { now: 1_000, rng: seededRng(1) };
const ok = (r: RouteDecision | RouteRefusal): RouteDecision => {
  if (!r.ok) throw new Error(`expected a decision, got refusal ${r.reason}: ${r.message}`);
  return r;
};
const refused = (r: RouteDecision | RouteRefusal): RouteRefusal => {
  if (r.ok) throw new Error(`expected a refusal, got ${r.versionId} on ${r.runnerId}`);
  return r;
};
const ejected = (ids: string[], at = 0): HealthState => ({
  intervalStartedAt: 0,
  runners: Object.fromEntries(ids.map((id) => [id, { ...freshRunnerHealth(), ejections: 1, ejectedAt: at, ejectedUntil: at + 30_000, ejectionCause: 'consecutive-failures' as const }])),
});

describe('route: residency first, fail closed', () => {
  const pools = [
    { name: 'us-saas', jurisdiction: 'US', region: 'us-east-1', costPerCall: 0 },
    { name: 'eu-saas', jurisdiction: 'EU', region: 'eu-west-1', costPerCall: 1 },
  ];

  it('routes only inside the allowed jurisdiction, even when a cheaper pool is outside it', () => {
    const sut = ok(route({}, world({ pools, policy: { allowedJurisdictions: ['EU'] } }), ctx));
    expect(sut.nodepoolId).toBe('pool-eu-saas');
    expect(sut.trace.removedByResidency).toEqual([
      { nodepoolName: 'us-saas', constraint: 'jurisdiction', value: 'US', allowed: ['EU'], candidates: 2 },
    ]);
  });

  it('refuses with the policy and the reason when nothing qualifies — never spills over', () => {
    const sut = refused(route({}, world({ pools, policy: { id: 'p-ch', allowedJurisdictions: ['CH'] } }), ctx));
    expect(sut.reason).toBe('RESIDENCY');
    expect(sut.policyId).toBe('p-ch');
    expect(sut.message).toBe(
      'route policy p-ch of weather allows no available runner: us-saas: jurisdiction US not in [CH] (2 candidates); eu-saas: jurisdiction EU not in [CH] (2 candidates)',
    );
    expect(sut.removed).toHaveLength(2);
  });

  it('ejections never push a call out of the allowed places: the allowed runners keep serving', () => {
    const snapshot = world({ pools, policy: { allowedJurisdictions: ['EU'] }, health: ejected(['eu-saas-r0', 'eu-saas-r1']) });
    const sut = ok(route({}, snapshot, ctx));
    expect(sut.nodepoolId).toBe('pool-eu-saas');
  });

  it('refuses NO_CANDIDATES when no runner serves an active version', () => {
    expect(refused(route({}, world({ pools, deployed: () => false }), ctx)).reason).toBe('NO_CANDIDATES');
  });
});

describe('route: health', () => {
  const pools = [{ name: 'p', runners: 4 }];

  it('skips ejected runners', () => {
    const snapshot = world({ pools, health: ejected(['p-r0']) });
    for (let i = 0; i < 50; i++) expect(ok(route({}, snapshot, { now: 1_000, rng: seededRng(i) })).runnerId).not.toBe('p-r0');
  });

  it('is back on the runner once its ejection is over', () => {
    const snapshot = { ...world({ pools, health: ejected(['p-r0', 'p-r1']) }) };
    snapshot.runners = snapshot.runners.map((r) => ({ ...r, outstanding: r.id === 'p-r0' ? 0 : 9 }));
    expect(ok(route({}, snapshot, { now: 29_999, rng: seededRng(1) })).runnerId).not.toBe('p-r0');
    expect(ok(route({}, snapshot, { now: 30_000, rng: seededRng(1) })).runnerId).toBe('p-r0');
  });

  it('an arm whose runners are all ejected drops to zero at once; the other arm takes everything', () => {
    const snapshot = world({
      pools: [{ name: 'p', runners: 6 }],
      arms: [arm('champion'), arm('challenger')],
      deployed: (runnerId, versionId) => (versionId === 'challenger') === ['p-r0', 'p-r1'].includes(runnerId),
      health: ejected(['p-r0', 'p-r1']),
    });
    const sut = ok(route({}, snapshot, ctx));
    expect(sut.versionId).toBe('champion');
    expect(sut.propensity).toBe(1);
    expect(sut.trace.shares).toEqual([{ versionId: 'champion', share: 1 }]);
  });

  it('in panic routes across every eligible runner and says so in the trace', () => {
    const health = ejected(['p-r0']);
    const snapshot = world({
      pools,
      health: { ...health, runners: { ...health.runners, 'p-r1': { ...freshRunnerHealth(), probeDown: true }, 'p-r2': { ...freshRunnerHealth(), probeDown: true } } },
    });
    const seen = new Set<string>();
    for (let i = 0; i < 80; i++) {
      const sut = ok(route({}, snapshot, { now: 1_000, rng: seededRng(i) }));
      expect(sut.trace.panic).toBe(true);
      seen.add(sut.runnerId);
    }
    expect(seen.size).toBe(4);
  });
});

describe('route: failover order, cost, least outstanding', () => {
  const pools = [
    { name: 'saas', kind: 'SAAS' as const, costPerCall: 0.001 },
    { name: 'vpc', kind: 'VPC' as const, costPerCall: 0.01 },
    { name: 'dc', kind: 'ON_PREM' as const, costPerCall: 0.1 },
  ];

  it('prefers the first nodepool of the failover order, then fails over in order', () => {
    const order = { failoverOrder: ['dc', 'vpc', 'saas'] };
    expect(ok(route({}, world({ pools, policy: order }), ctx)).nodepoolId).toBe('pool-dc');
    const dcDown = world({ pools, policy: order, health: ejected(['dc-r0', 'dc-r1']) });
    expect(ok(route({}, dcDown, ctx)).nodepoolId).toBe('pool-vpc');
  });

  it('without an order, the cheapest nodepool serves', () => {
    expect(ok(route({}, world({ pools }), ctx)).nodepoolId).toBe('pool-saas');
  });

  it('a retry skips the runners already tried, failing over to the next nodepool', () => {
    const snapshot = world({ pools, policy: { failoverOrder: ['dc', 'vpc'] } });
    expect(ok(route({ excludeRunnerIds: ['dc-r0', 'dc-r1'] }, snapshot, ctx)).nodepoolId).toBe('pool-vpc');
    const all = snapshot.runners.map((r) => r.id);
    expect(refused(route({ excludeRunnerIds: all }, snapshot, ctx)).message).toMatch(/already tried/);
  });

  it('picks the least outstanding runner in the chosen nodepool', () => {
    const snapshot = world({ pools: [{ name: 'p', runners: 3 }] });
    snapshot.runners = snapshot.runners.map((r, i) => ({ ...r, outstanding: [4, 1, 2][i]! }));
    expect(ok(route({}, snapshot, ctx)).runnerId).toBe('p-r1');
  });
});

describe('route: arms', () => {
  const pools = [{ name: 'p', runners: 2 }];

  it('splits by fixed weights and reports the weight as the propensity', () => {
    const snapshot = world({ pools, arms: [arm('v1'), arm('v2')], armPolicy: { kind: 'WEIGHTED', weights: { v1: 0.9, v2: 0.1 } } });
    const low = ok(route({}, snapshot, { now: 0, rng: scriptedRng([0.5]) }));
    expect([low.versionId, low.propensity]).toEqual(['v1', 0.9]);
    const high = ok(route({}, snapshot, { now: 0, rng: scriptedRng([0.95]) }));
    expect([high.versionId, high.propensity]).toEqual(['v2', expect.closeTo(0.1, 12)]);
  });

  it('never sends traffic to a rolled-back arm, from the next decision on', () => {
    const snapshot = world({ pools, arms: [arm('v1'), arm('v2', { rolledBack: true })], armPolicy: { kind: 'WEIGHTED', weights: { v1: 0.5, v2: 0.5 } } });
    for (let i = 0; i < 50; i++) expect(ok(route({}, snapshot, { now: 0, rng: seededRng(i) })).versionId).toBe('v1');
  });

  it('refuses NO_ROUTABLE_ARM when only weight-0 arms have runners (the rollout did not allow them)', () => {
    const snapshot = world({ pools, arms: [arm('v1'), arm('v2')], armPolicy: { kind: 'WEIGHTED', weights: { v1: 1, v2: 0 } }, deployed: (_, v) => v === 'v2' });
    expect(refused(route({}, snapshot, ctx)).reason).toBe('NO_ROUTABLE_ARM');
  });

  it('a bandit keeps a 5% floor for the arm it does not prefer', () => {
    const stats = { v1: { rewardSum: 950, count: 1_000, updatedAt: 0 }, v2: { rewardSum: 100, count: 1_000, updatedAt: 0 } };
    const snapshot = world({ pools, arms: [arm('v1'), arm('v2')], armPolicy: { kind: 'THOMPSON', stats } });
    const sut = ok(route({}, snapshot, ctx));
    expect(sut.trace.shares).toEqual([
      { versionId: 'v1', share: expect.closeTo(0.95, 12) },
      { versionId: 'v2', share: expect.closeTo(0.05, 12) },
    ]);
    expect(sut.trace.sharesSource).toBe('computed-preferences');
  });

  it('reports the unit of assignment: call for stateless arms with equal toolsHash, else session', () => {
    const stateless = [arm('v1', { stateless: true, toolsHash: 'h' }), arm('v2', { stateless: true, toolsHash: 'h' })];
    expect(ok(route({}, world({ pools, arms: stateless }), ctx)).unit).toBe('call');
    expect(ok(route({}, world({ pools, arms: [arm('v1'), arm('v2')] }), ctx)).unit).toBe('session');
  });
});

describe('route: pinned sessions', () => {
  const pools = [{ name: 'p', runners: 2 }];
  const arms = [arm('v1'), arm('v2')];

  it('stay on their version with propensity 1, whatever the weights say', () => {
    const snapshot = world({ pools, arms, armPolicy: { kind: 'WEIGHTED', weights: { v1: 1, v2: 0 } } });
    const sut = ok(route({ pinnedVersionId: 'v2' }, snapshot, ctx));
    expect([sut.versionId, sut.propensity, sut.trace.sharesSource]).toEqual(['v2', 1, 'pinned']);
  });

  it('on a rolled-back version get PINNED_VERSION_UNAVAILABLE (→ 404, the client starts a new session)', () => {
    const snapshot = world({ pools, arms: [arm('v1'), arm('v2', { rolledBack: true })] });
    expect(refused(route({ pinnedVersionId: 'v2' }, snapshot, ctx)).reason).toBe('PINNED_VERSION_UNAVAILABLE');
  });
});

describe('route: per-snapshot cache', () => {
  const pools = [{ name: 'eu', jurisdiction: 'EU' }, { name: 'us', jurisdiction: 'US' }];

  it('reads fresh health, arm policy and outstanding counts on every decision', () => {
    const snapshot = world({ pools: [{ name: 'p', runners: 2 }] });
    snapshot.runners = snapshot.runners.map((r) => ({ ...r, outstanding: r.id === 'p-r0' ? 0 : 5 }));
    expect(ok(route({}, snapshot, ctx)).runnerId).toBe('p-r0');
    const withEjection = { ...snapshot, health: ejected(['p-r0']) };
    expect(ok(route({}, withEjection, ctx)).runnerId).toBe('p-r1');
  });

  it('a replaced policy or arm list takes effect on the next decision (e.g. a rollback)', () => {
    const snapshot = world({ pools, arms: [arm('v1'), arm('v2')], armPolicy: { kind: 'WEIGHTED', weights: { v1: 0, v2: 1 } } });
    expect(ok(route({}, snapshot, ctx)).versionId).toBe('v2');
    const rolledBack = { ...snapshot, arms: [arm('v1'), arm('v2', { rolledBack: true })], armPolicy: { kind: 'WEIGHTED' as const, weights: { v1: 1 } } };
    expect(ok(route({}, rolledBack, ctx)).versionId).toBe('v1');
    const euOnly = { ...snapshot, policy: { ...snapshot.policy, allowedJurisdictions: ['EU'] } };
    for (let i = 0; i < 20; i++) expect(ok(route({}, euOnly, { now: 0, rng: seededRng(i) })).nodepoolId).toBe('pool-eu');
  });
});
