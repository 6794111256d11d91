import { Inject, Injectable, Optional } from '@nestjs/common';
import { DomainError, ErrorCode } from '@switchyard/protocol';
import { DEFAULT_RETRY_POLICY, route, toDomainError, type AssignmentUnit, type RetryPolicy, type RouteDecision } from '@switchyard/router';
import type { Upstream, UpstreamChooser } from '../gateway/upstream-chooser.js';
import { RoutingPolicies } from './routing-policies.js';
import { ROUTING_OPTIONS, type RoutingOptions } from './routing-options.js';
import { RoutingSnapshotSource } from './routing-snapshot-source.js';
import { placementKey } from './snapshot-parts.js';

/** An Upstream with what the router decided, for the session record and the audit row. */
export interface RoutedUpstream extends Upstream {
  /** Probability that this decision picked this version (for the first candidate, exact; see docs/router.md). */
  propensity: number;
  /** The active rollout whose weights or bandit made the decision, or null (champion only). */
  rolloutId: string | null;
  /** `session`: pin the session to this version; `call`: its calls may be split per call. */
  unit: AssignmentUnit;
  /** The nodepool's costPerCall, to pass back to RoutingStats.recordOutcome. */
  costPerCall: number;
  /** 0 for the router's choice; n for the n-th fallback (route() again, earlier runners excluded). */
  fallback: number;
}

/** The router's choice and up to this many fallbacks on other runners. */
export const MAX_CANDIDATES = 4;

/**
 * The policy router behind the gateway's UpstreamChooser: residency (fail closed), health,
 * failover order, rollout weights or bandit, least outstanding. Candidates are the decision, then
 * fallbacks decided with the runners before them excluded — the same rules, so a fallback never
 * leaves the places the policy allows. A refusal is a DomainError naming the policy; nothing spills.
 */
@Injectable()
export class RoutedUpstreamChooser implements UpstreamChooser {
  private readonly rng: () => number;

  constructor(
    private readonly source: RoutingSnapshotSource,
    @Optional() @Inject(ROUTING_OPTIONS) options?: RoutingOptions,
    /** Absent where only routing is exercised (benchmarks): no retries then. */
    @Optional() private readonly policies?: RoutingPolicies,
  ) {
    this.rng = options?.rng ?? Math.random;
  }

  /** `limit` 1: the decision alone (a per-call choice needs no fallbacks). */
  async candidates(serverName: string, limit = MAX_CANDIDATES): Promise<RoutedUpstream[]> {
    const now = Date.now();
    const routing = await this.source.snapshotFor(serverName, now);
    const chosen: RoutedUpstream[] = [];
    const excludeRunnerIds: string[] = [];
    while (chosen.length < limit) {
      const decision = route(excludeRunnerIds.length > 0 ? { excludeRunnerIds } : {}, routing.snapshot, { now, rng: this.rng });
      if (!decision.ok) {
        if (chosen.length === 0) throw toDomainError(decision);
        break;
      }
      chosen.push(this.upstream(decision, routing.deployments, routing.costPerCall, routing.rolloutId, chosen.length));
      excludeRunnerIds.push(decision.runnerId);
    }
    return chosen;
  }

  /**
   * Where a session pinned to `versionId` can go on after its runner was lost (a retry of an
   * idempotent call): the router's choice among that version's other runners, by the same rules
   * (residency, health, failover order, least outstanding); undefined when there is none.
   */
  async sameVersionElsewhere(serverName: string, versionId: string, excludeRunnerIds: readonly string[]): Promise<RoutedUpstream | undefined> {
    const now = Date.now();
    const routing = await this.source.snapshotFor(serverName, now);
    const decision = route({ pinnedVersionId: versionId, excludeRunnerIds: [...excludeRunnerIds] }, routing.snapshot, { now, rng: this.rng });
    return decision.ok ? this.upstream(decision, routing.deployments, routing.costPerCall, routing.rolloutId, 1) : undefined;
  }

  /** The server's retry settings (RoutePolicy retryMaxAttempts, retryBudgetRatio). */
  async retryPolicy(serverName: string): Promise<Readonly<RetryPolicy>> {
    return this.policies === undefined ? DEFAULT_RETRY_POLICY : (await this.policies.forServer(serverName)).retry;
  }

  private upstream(decision: RouteDecision, deployments: ReadonlyMap<string, string>, costs: ReadonlyMap<string, number>, rolloutId: string | null, fallback: number): RoutedUpstream {
    const deploymentId = deployments.get(placementKey(decision.runnerId, decision.versionId));
    if (deploymentId === undefined) {
      // Candidates and deployments come from the same rows: this would be a bug here, not bad input.
      throw new DomainError(ErrorCode.INTERNAL, `no deployment of version ${decision.versionId} on runner ${decision.runnerId}`);
    }
    return {
      runnerId: decision.runnerId,
      nodepoolId: decision.nodepoolId,
      deploymentId,
      versionId: decision.versionId,
      propensity: decision.propensity,
      rolloutId,
      unit: decision.unit,
      costPerCall: costs.get(decision.nodepoolId) ?? 0,
      fallback,
    };
  }
}
