// Builders for RouteSnapshots in specs: small, explicit worlds (pools, runners, arms) with every
// version deployed on every runner unless a spec says otherwise.
import type { ArmPolicy } from '../src/arms/arm-policy.js';
import { emptyHealth, type HealthState } from '../src/health/runner-health.js';
import type { RouteSnapshot } from '../src/route.js';
import type { ArmInfo, Candidate, NodepoolInfo, NodepoolKind, RoutePolicyInfo, RunnerInfo } from '../src/types.js';

export interface PoolSpec {
  name: string;
  kind?: NodepoolKind;
  region?: string;
  jurisdiction?: string;
  costPerCall?: number;
  runners?: number;
}

export function pool(spec: PoolSpec): NodepoolInfo {
  return {
    id: `pool-${spec.name}`,
    name: spec.name,
    kind: spec.kind ?? 'SAAS',
    region: spec.region ?? 'eu-west-1',
    jurisdiction: spec.jurisdiction ?? 'EU',
    costPerCall: spec.costPerCall ?? 0,
  };
}

export function arm(versionId: string, overrides: Partial<ArmInfo> = {}): ArmInfo {
  return { versionId, stateless: false, toolsHash: null, rolledBack: false, ...overrides };
}

export function policy(overrides: Partial<RoutePolicyInfo> = {}): RoutePolicyInfo {
  return {
    id: 'policy-1',
    serverName: 'weather',
    allowedJurisdictions: [],
    allowedRegions: [],
    allowedKinds: [],
    failoverOrder: [],
    ...overrides,
  };
}

export interface WorldSpec {
  pools: PoolSpec[];
  arms?: ArmInfo[];
  armPolicy?: ArmPolicy;
  policy?: Partial<RoutePolicyInfo>;
  health?: HealthState;
  /** Which (runner, version) pairs exist; default: every version on every runner. */
  deployed?: (runnerId: string, versionId: string) => boolean;
}

export function world(spec: WorldSpec): RouteSnapshot {
  const nodepools = spec.pools.map(pool);
  const runners: RunnerInfo[] = spec.pools.flatMap((p, i) =>
    Array.from({ length: p.runners ?? 2 }, (_, r) => ({ id: `${p.name}-r${r}`, nodepoolId: nodepools[i]!.id, outstanding: 0 })),
  );
  const arms = spec.arms ?? [arm('v1')];
  const deployed = spec.deployed ?? (() => true);
  const candidates: Candidate[] = runners.flatMap((r) =>
    arms.filter((a) => deployed(r.id, a.versionId)).map((a) => ({ runnerId: r.id, nodepoolId: r.nodepoolId, versionId: a.versionId })),
  );
  return {
    policy: policy(spec.policy),
    nodepools,
    runners,
    arms,
    candidates,
    armPolicy: spec.armPolicy ?? { kind: 'WEIGHTED', weights: Object.fromEntries(arms.map((a) => [a.versionId, 1])) },
    health: spec.health ?? emptyHealth(0),
  };
}

/** A rng that replays `values` in order (then repeats the last): for tie-break specs. */
export function scriptedRng(values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}
