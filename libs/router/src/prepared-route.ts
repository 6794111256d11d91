// The parts of a routing decision that depend only on the slow-changing parts of a snapshot
// (policy, nodepools, runners, arms, candidates) are computed once and reused: the residency
// filter, the eligible runners, and each version's nodepools in failover order. Per decision only
// health, shares and the draws remain. The cache is keyed on the candidates array and checked
// against the other inputs by identity, so `{ ...snapshot, health, armPolicy }` with fresh health
// or stats reuses it, and a new policy or deployment list rebuilds it.
import { assignmentUnit, type AssignmentUnit } from './arms/assignment-unit.js';
import { compareNodepools } from './failover.js';
import { filterByResidency, type ResidencyRemoval } from './residency.js';
import type { ArmInfo, Candidate, NodepoolInfo, RoutePolicyInfo, RunnerInfo } from './types.js';

export interface PoolRunners {
  pool: NodepoolInfo;
  runners: RunnerInfo[];
}

export interface PreparedRoute {
  readonly policy: RoutePolicyInfo;
  readonly nodepoolList: readonly NodepoolInfo[];
  readonly runnerList: readonly RunnerInfo[];
  readonly arms: readonly ArmInfo[];
  nodepools: Map<string, NodepoolInfo>;
  /** Versions not rolled back, in the snapshot's order. */
  activeVersionIds: string[];
  /** Active versions that have at least one candidate (before residency). */
  deployedVersionIds: Set<string>;
  /** Distinct runners that pass residency for some active version: the health population. */
  eligibleRunnerIds: string[];
  /** Residency removals over the active versions' candidates. */
  removed: ResidencyRemoval[];
  /** Per active version: its eligible runners grouped by nodepool, nodepools in failover order. */
  poolsByVersion: Map<string, PoolRunners[]>;
  unit: AssignmentUnit;
}

export interface SnapshotParts {
  policy: RoutePolicyInfo;
  nodepools: readonly NodepoolInfo[];
  runners: readonly RunnerInfo[];
  arms: readonly ArmInfo[];
  candidates: readonly Candidate[];
}

const cache = new WeakMap<readonly Candidate[], PreparedRoute>();

export function prepareRoute(snapshot: SnapshotParts): PreparedRoute {
  const cached = cache.get(snapshot.candidates);
  if (
    cached &&
    cached.policy === snapshot.policy &&
    cached.nodepoolList === snapshot.nodepools &&
    cached.runnerList === snapshot.runners &&
    cached.arms === snapshot.arms
  ) {
    return cached;
  }
  const prepared = buildPreparedRoute(snapshot);
  cache.set(snapshot.candidates, prepared);
  return prepared;
}

function buildPreparedRoute(snapshot: SnapshotParts): PreparedRoute {
  const { policy } = snapshot;
  const nodepools = new Map(snapshot.nodepools.map((n) => [n.id, n]));
  const runnersById = new Map(snapshot.runners.map((r) => [r.id, r]));
  const activeVersionIds = snapshot.arms.filter((a) => !a.rolledBack).map((a) => a.versionId);
  const active = new Set(activeVersionIds);
  const activeCandidates = snapshot.candidates.filter((c) => active.has(c.versionId));
  const residency = filterByResidency(activeCandidates, nodepools, policy);

  const grouped = new Map<string, Map<string, RunnerInfo[]>>();
  const eligibleRunnerIds = new Set<string>();
  for (const c of residency.eligible) {
    const runner = runnersById.get(c.runnerId);
    // A candidate whose runner is not in the snapshot is not routable (e.g. it just went offline).
    if (!runner || runner.nodepoolId !== c.nodepoolId) continue;
    eligibleRunnerIds.add(runner.id);
    let pools = grouped.get(c.versionId);
    if (!pools) grouped.set(c.versionId, (pools = new Map()));
    const list = pools.get(c.nodepoolId);
    if (list) list.push(runner);
    else pools.set(c.nodepoolId, [runner]);
  }
  const poolsByVersion = new Map<string, PoolRunners[]>();
  for (const [versionId, pools] of grouped) {
    const ordered = [...pools].map(([poolId, runners]) => ({ pool: nodepools.get(poolId)!, runners }));
    ordered.sort((a, b) => compareNodepools(a.pool, b.pool, policy.failoverOrder));
    poolsByVersion.set(versionId, ordered);
  }
  return {
    policy,
    nodepoolList: snapshot.nodepools,
    runnerList: snapshot.runners,
    arms: snapshot.arms,
    nodepools,
    activeVersionIds,
    deployedVersionIds: new Set(activeCandidates.map((c) => c.versionId)),
    eligibleRunnerIds: [...eligibleRunnerIds],
    removed: residency.removed,
    poolsByVersion,
    unit: assignmentUnit(snapshot.arms),
  };
}
