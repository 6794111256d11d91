// The one routing decision, composed in a fixed order (docs/router.md):
//   residency (fail closed) → health (ejection, probes, panic) → failover order per arm →
//   arm shares (weights, or bandit + floors) → runner (least outstanding).
// Pure: time and randomness come in; the same snapshot, now and rng sequence give the same answer.
import { assignmentUnit, type AssignmentUnit } from './arms/assignment-unit.js';
import { armShares, type ArmPolicy, type ArmShares } from './arms/arm-policy.js';
import { pickIndex } from './arms/pick.js';
import { preferredNodepool } from './failover.js';
import { healthView } from './health/health-filter.js';
import type { HealthState } from './health/runner-health.js';
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
  eligibleCandidates: number;
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
  const unit = assignmentUnit(snapshot.arms);

  // 0. Which versions may take this request at all.
  const pinned = request.pinnedVersionId;
  const activeArms = new Set<string>();
  for (const arm of snapshot.arms) {
    if (!arm.rolledBack && (pinned === undefined || arm.versionId === pinned)) activeArms.add(arm.versionId);
  }
  if (pinned !== undefined && activeArms.size === 0) {
    return refusal('PINNED_VERSION_UNAVAILABLE', policy, `version ${pinned} of ${policy.serverName} is rolled back or gone; start a new session`);
  }
  const candidates = snapshot.candidates.filter((c) => activeArms.has(c.versionId));
  if (candidates.length === 0) {
    return refusal('NO_CANDIDATES', policy, `no runner serves an active version of ${policy.serverName}`);
  }

  // 1. Residency, fail closed.
  const nodepools = new Map(snapshot.nodepools.map((n) => [n.id, n]));
  const residency = filterByResidency(candidates, nodepools, policy);
  if (residency.eligible.length === 0) {
    return refusal(
      'RESIDENCY',
      policy,
      `route policy ${policy.id} of ${policy.serverName} allows no available runner: ${describeRemovals(residency.removed)}`,
      residency.removed,
    );
  }

  // 2. Health over the distinct eligible runners (panic looks at all of them, not per arm, so an
  //    arm whose runners are all ejected drops to zero instead of panicking on its own).
  const eligibleRunnerIds = [...new Set(residency.eligible.map((c) => c.runnerId))];
  const health = healthView(eligibleRunnerIds, snapshot.health, now, config.outlier);
  const excluded = new Set(request.excludeRunnerIds ?? []);

  // 3. Failover order, per arm: the preferred nodepool holding a routable runner of that arm.
  const runnersById = new Map(snapshot.runners.map((r) => [r.id, r]));
  const poolsByArm = new Map<string, Map<string, RunnerInfo[]>>();
  for (const c of residency.eligible) {
    const runner = runnersById.get(c.runnerId);
    if (!runner || !health.routable.has(c.runnerId) || excluded.has(c.runnerId)) continue;
    let pools = poolsByArm.get(c.versionId);
    if (!pools) poolsByArm.set(c.versionId, (pools = new Map()));
    const list = pools.get(c.nodepoolId);
    if (list) list.push(runner);
    else pools.set(c.nodepoolId, [runner]);
  }
  const placement = new Map<string, NodepoolInfo>();
  for (const [versionId, pools] of poolsByArm) {
    const pool = preferredNodepool(pools.keys(), nodepools, policy.failoverOrder);
    if (pool) placement.set(versionId, pool);
  }

  // 4. Arm shares over the arms that can take traffic now, and the draw.
  const available = snapshot.arms.map((a) => a.versionId).filter((id) => placement.has(id) && activeArms.has(id));
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
  if (chosen < 0) {
    const tried = excluded.size > 0 ? ' (runners already tried for this call are excluded)' : '';
    return pinned !== undefined
      ? refusal('PINNED_VERSION_UNAVAILABLE', policy, `version ${pinned} of ${policy.serverName} has no routable runner${tried}; start a new session`)
      : refusal('NO_ROUTABLE_ARM', policy, `no version of ${policy.serverName} with a positive share has a routable runner${tried}`);
  }
  const versionId = shares.versionIds[chosen]!;
  const pool = placement.get(versionId)!;

  // 5. Runner: least outstanding requests in that nodepool.
  const runner = leastOutstanding(poolsByArm.get(versionId)!.get(pool.id)!, rng)!;

  return {
    ok: true,
    versionId,
    runnerId: runner.id,
    nodepoolId: pool.id,
    propensity: shares.shares[chosen]!,
    unit,
    trace: {
      eligibleCandidates: residency.eligible.length,
      removedByResidency: residency.removed,
      ejectedRunners: health.ejected,
      probeDownRunners: health.probeDown,
      panic: health.panic,
      shares: shares.versionIds.map((id, i) => ({ versionId: id, share: shares.shares[i]! })),
      sharesSource: pinned !== undefined ? 'pinned' : shares.source,
    },
  };
}
