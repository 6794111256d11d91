// The one routing decision, composed in a fixed order (docs/router.md):
//   residency (fail closed) → health (ejection, probes, panic) → failover order per arm →
//   arm shares (weights, or bandit + floors) → runner (least outstanding).
// Pure: time and randomness come in; the same snapshot, now and rng sequence give the same answer.
import type { AssignmentUnit } from './arms/assignment-unit.js';
import { armShares, type ArmPolicy, type ArmShares } from './arms/arm-policy.js';
import { pickIndex } from './arms/pick.js';
import { healthView, isRoutable, type HealthView } from './health/health-filter.js';
import type { HealthState } from './health/runner-health.js';
import { prepareRoute, type PoolRunners } from './prepared-route.js';
import { refusal, type RouteRefusal } from './refusal.js';
import { describeRemovals, filterByResidency, type ResidencyRemoval } from './residency.js';
import { DEFAULT_ROUTER_CONFIG, type RouterConfig } from './router-config.js';
import { leastOutstanding } from './runner-choice.js';
import type { ArmInfo, Candidate, NodepoolInfo, RoutePolicyInfo, RunnerInfo } from './types.js';

export interface RouteRequest {
  /**
   * The version a session is pinned to (a session on a version whose arms may not be mixed per
   * call). Stateful sessions are also pinned to their runner; the gateway keeps that binding.
   */
  pinnedVersionId?: string;
  /** Runners already tried for this call: a retry or failover goes elsewhere. */
  excludeRunnerIds?: readonly string[];
}

/**
 * Everything a decision needs. route() caches the work that depends only on policy, nodepools,
 * runners, arms and candidates (keyed on those objects' identity), so treat them as immutable and
 * replace them to change them; `health`, `armPolicy` and each runner's `outstanding` are read at
 * every decision.
 */
export interface RouteSnapshot {
  policy: RoutePolicyInfo;
  nodepools: readonly NodepoolInfo[];
  runners: readonly RunnerInfo[];
  arms: readonly ArmInfo[];
  candidates: readonly Candidate[];
  armPolicy: ArmPolicy;
  health: HealthState;
  config?: RouterConfig;
}

export interface RouteTrace {
  removedByResidency: ResidencyRemoval[];
  ejectedRunners: string[];
  probeDownRunners: string[];
  panic: boolean;
  /** Each available arm's share in this decision (the chosen one's is the propensity). */
  shares: Array<{ versionId: string; share: number }>;
  sharesSource: ArmShares['source'] | 'pinned';
}

export interface RouteDecision {
  ok: true;
  versionId: string;
  runnerId: string;
  nodepoolId: string;
  /** Probability that this decision picked this version: exact, in (0, 1]. */
  propensity: number;
  unit: AssignmentUnit;
  trace: RouteTrace;
}

export interface RouteContext {
  now: number;
  rng: () => number;
}

export function route(request: RouteRequest, snapshot: RouteSnapshot, { now, rng }: RouteContext): RouteDecision | RouteRefusal {
  const { policy } = snapshot;
  const config = snapshot.config ?? DEFAULT_ROUTER_CONFIG;
  const prepared = prepareRoute(snapshot);
  const pinned = request.pinnedVersionId;

  // 0. Which versions may take this request at all (rolled-back arms never do).
  if (pinned !== undefined && !prepared.activeVersionIds.includes(pinned)) {
    return refusal('PINNED_VERSION_UNAVAILABLE', policy, `version ${pinned} of ${policy.serverName} is rolled back or gone; start a new session`);
  }
  const versionIds = pinned !== undefined ? [pinned] : prepared.activeVersionIds;
  if (!versionIds.some((id) => prepared.deployedVersionIds.has(id))) {
    return refusal('NO_CANDIDATES', policy, `no runner serves ${pinned !== undefined ? `version ${pinned}` : 'an active version'} of ${policy.serverName}`);
  }

  // 1. Residency, fail closed (precomputed per snapshot).
  if (!versionIds.some((id) => prepared.poolsByVersion.has(id))) return residencyRefusal(snapshot, versionIds);

  // 2. Health over every eligible runner of the server (panic looks at all of them, not per arm,
  //    so an arm whose runners are all ejected drops to zero instead of panicking on its own).
  const health = healthView(prepared.eligibleRunnerIds, snapshot.health, now, config.outlier);
  const excluded = request.excludeRunnerIds;
  const usable = (runner: RunnerInfo) => isRoutable(health, runner.id) && !(excluded !== undefined && excluded.includes(runner.id));

  // 3. Failover order, per arm: the first nodepool (policy order, then cost) with a usable runner.
  const available: string[] = [];
  const placement: PoolRunners[] = [];
  for (const versionId of versionIds) {
    const pools = prepared.poolsByVersion.get(versionId);
    const pool = pools?.find((p) => p.runners.some(usable));
    if (pool) {
      available.push(versionId);
      placement.push(pool);
    }
  }

  // 4. Arm shares over the arms that can take traffic now, and the draw.
  const shares: ArmShares =
    pinned !== undefined
      ? { versionIds: available, shares: available.map(() => 1), source: 'cached-preferences' }
      : armShares(available, snapshot.armPolicy, {
          now,
          rng,
          floorShare: config.floorShare,
          preferencesMaxAgeMs: config.preferencesMaxAgeMs,
        });
  const chosen = shares.versionIds.length > 0 ? pickIndex(shares.shares, rng) : -1;
  if (chosen < 0) return noRoutableArm(policy, pinned, excluded);
  const versionId = shares.versionIds[chosen]!;
  const { pool, runners } = placement[available.indexOf(versionId)]!;

  // 5. Runner: least outstanding requests among the usable runners of that nodepool.
  const runner = leastOutstanding(runners.filter(usable), rng)!;

  return {
    ok: true,
    versionId,
    runnerId: runner.id,
    nodepoolId: pool.id,
    propensity: shares.shares[chosen]!,
    unit: prepared.unit,
    trace: trace(prepared.removed, health, shares, pinned !== undefined),
  };
}

function trace(removed: ResidencyRemoval[], health: HealthView, shares: ArmShares, pinned: boolean): RouteTrace {
  return {
    removedByResidency: removed,
    ejectedRunners: health.ejected,
    probeDownRunners: health.probeDown,
    panic: health.panic,
    shares: shares.versionIds.map((id, i) => ({ versionId: id, share: shares.shares[i]! })),
    sharesSource: pinned ? 'pinned' : shares.source,
  };
}

/** Rare path: recomputes the removals for exactly the versions asked for, for a precise message. */
function residencyRefusal(snapshot: RouteSnapshot, versionIds: readonly string[]): RouteRefusal {
  const { policy } = snapshot;
  const wanted = new Set(versionIds);
  const nodepools = new Map<string, NodepoolInfo>(snapshot.nodepools.map((n) => [n.id, n]));
  const { removed } = filterByResidency(snapshot.candidates.filter((c) => wanted.has(c.versionId)), nodepools, policy);
  return refusal(
    'RESIDENCY',
    policy,
    `route policy ${policy.id} of ${policy.serverName} allows no available runner: ${describeRemovals(removed)}`,
    removed,
  );
}

function noRoutableArm(policy: RoutePolicyInfo, pinned: string | undefined, excluded: readonly string[] | undefined): RouteRefusal {
  const tried = excluded !== undefined && excluded.length > 0 ? ' (runners already tried for this call are excluded)' : '';
  return pinned !== undefined
    ? refusal('PINNED_VERSION_UNAVAILABLE', policy, `version ${pinned} of ${policy.serverName} has no routable runner${tried}; start a new session`)
    : refusal('NO_ROUTABLE_ARM', policy, `no version of ${policy.serverName} with a positive share has a routable runner${tried}`);
}
