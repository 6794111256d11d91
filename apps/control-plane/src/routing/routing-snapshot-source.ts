import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { computeArmPreferences, type ArmPolicy, type ArmPreferences, type ArmStatsByVersion, type RouteSnapshot, type RouterConfig } from '@switchyard/router';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logging.module.js';
import { armPlan, type ArmPlan } from './arm-plan.js';
import { ARM_WEIGHTS_SOURCE, type ArmWeightsSource } from './arm-weights-source.js';
import { OutstandingRequests } from './outstanding-requests.js';
import { ROUTING_OPTIONS, type RoutingOptions } from './routing-options.js';
import { RoutingPolicies } from './routing-policies.js';
import { RoutingRepository } from './routing.repository.js';
import { RoutingStats } from './routing-stats.js';
import { routerConfigFor, type ServerRoutingPolicy } from './server-routing-policy.js';
import { sameParts, snapshotParts, type SnapshotParts } from './snapshot-parts.js';

/** A decision's inputs, with what the chooser needs to turn a decision into an Upstream. */
export interface RoutingSnapshot {
  serverId: string;
  snapshot: RouteSnapshot;
  rolloutId: string | null;
  /** `placementKey(runnerId, versionId)` → deploymentId. */
  deployments: ReadonlyMap<string, string>;
  costPerCall: ReadonlyMap<string, number>;
}

/** Postgres is read at most this often per server; decisions in between reuse the snapshot. */
export const SNAPSHOT_CACHE_MS = 1_000;
/**
 * Between SNAPSHOT_CACHE_MS and this age a decision uses the last snapshot while a rebuild runs in
 * the background; an older one (a server idle for a while) is rebuilt before deciding, so a
 * rollback made elsewhere is never served from a snapshot much older than the caches' 1 s.
 */
const SNAPSHOT_MAX_STALE_MS = 2_000;
/** A server nobody routed to for this long leaves the refresh loop. */
const ACTIVE_FOR_MS = 60_000;
const REFRESH_EVERY_MS = 1_000;

interface ServerEntry {
  serverName: string;
  serverId: string;
  builtAt: number;
  usedAt: number;
  policy: ServerRoutingPolicy;
  config: RouterConfig;
  parts: SnapshotParts;
  plan: ArmPlan;
  costPerCall: ReadonlyMap<string, number>;
  armStats: ArmStatsByVersion;
  preferences?: ArmPreferences;
  rebuilding?: Promise<ServerEntry>;
}

/**
 * Builds the router's snapshot of a server (docs/router.md, "In the control plane"): policy,
 * nodepools, usable runners and their placements from Postgres (cached for a second, keeping object
 * identity while nothing changed so route()'s per-snapshot cache keeps hitting), health and arm
 * statistics from Redis, outstanding requests from heartbeats and this replica. Once a second it
 * refreshes, off the request path, what decisions read: health, the success-rate sweep, arm
 * statistics and the bandit's preferences (Thompson's Monte Carlo costs ~1 ms).
 */
@Injectable()
export class RoutingSnapshotSource implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly entries = new Map<string, ServerEntry>();
  private readonly first = new Map<string, Promise<ServerEntry>>();
  private readonly generations = new Map<string, number>();
  private readonly rng: () => number;
  private readonly timers: boolean;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(
    private readonly repository: RoutingRepository,
    private readonly policies: RoutingPolicies,
    private readonly stats: RoutingStats,
    private readonly outstanding: OutstandingRequests,
    @Inject(ARM_WEIGHTS_SOURCE) private readonly weights: ArmWeightsSource,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(ROUTING_OPTIONS) options?: RoutingOptions,
  ) {
    this.rng = options?.rng ?? Math.random;
    // A rollback or promotion on this replica applies to the very next request.
    this.weights.onChange?.((serverId) => this.invalidateServerId(serverId));
    this.timers = options?.timers ?? true;
  }

  onApplicationBootstrap(): void {
    if (!this.timers) return;
    this.timer = setInterval(() => void this.tick(), REFRESH_EVERY_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.stats.flush().catch(() => undefined);
  }

  async snapshotFor(serverName: string, now = Date.now()): Promise<RoutingSnapshot> {
    const entry = await this.entryFor(serverName, now);
    entry.usedAt = now;
    const { parts, plan, policy } = entry;
    for (const runner of parts.runners) runner.outstanding = (parts.heartbeatInFlight.get(runner.id) ?? 0) + this.outstanding.of(runner.id);
    const armPolicy: ArmPolicy =
      plan.split.kind === 'WEIGHTED'
        ? { kind: 'WEIGHTED', weights: plan.split.weights }
        : { kind: plan.split.kind, stats: entry.armStats, params: policy.params.bandit, ...(entry.preferences ? { preferences: entry.preferences } : {}) };
    const snapshot: RouteSnapshot = {
      policy: policy.policy,
      nodepools: parts.nodepools,
      runners: parts.runners,
      arms: plan.arms,
      candidates: parts.candidates,
      armPolicy,
      health: await this.stats.health(entry.serverId, now),
      config: entry.config,
    };
    return { serverId: entry.serverId, snapshot, rolloutId: plan.rolloutId, deployments: parts.deployments, costPerCall: entry.costPerCall };
  }

  /**
   * Forgets the server's snapshot: the next decision reads Postgres again. For a change made on this
   * replica that must apply to the very next request (a rollout rolled back or promoted: call it
   * after RolloutWeights.invalidate).
   */
  invalidate(serverName: string): void {
    this.entries.delete(serverName);
    this.first.delete(serverName);
    // A build that started before the change may have read the old rows: it must not be stored.
    this.generations.set(serverName, (this.generations.get(serverName) ?? 0) + 1);
  }

  /** invalidate() for a server known by id (rollout changes name servers by id). */
  invalidateServerId(serverId: string): void {
    const names = [...this.entries].filter(([, entry]) => entry.serverId === serverId).map(([name]) => name);
    for (const name of names) this.invalidate(name);
  }

  private async entryFor(serverName: string, now: number): Promise<ServerEntry> {
    const entry = this.entries.get(serverName);
    if (!entry) {
      let pending = this.first.get(serverName);
      if (!pending) {
        pending = this.build(serverName, undefined, now).finally(() => this.first.delete(serverName));
        this.first.set(serverName, pending);
      }
      return pending;
    }
    if (now - entry.builtAt < SNAPSHOT_CACHE_MS) return entry;
    entry.rebuilding ??= this.build(serverName, entry, now).finally(() => delete entry.rebuilding);
    if (now - entry.builtAt < SNAPSHOT_MAX_STALE_MS) {
      // Stale-while-revalidate: this decision uses the last snapshot; a failed rebuild is logged.
      entry.rebuilding.catch((error: unknown) => this.logger.warn({ serverName, err: (error as Error).message }, 'could not rebuild a routing snapshot; using the last one'));
      return entry;
    }
    return entry.rebuilding;
  }

  private async build(serverName: string, previous: ServerEntry | undefined, now: number): Promise<ServerEntry> {
    const generation = this.generations.get(serverName) ?? 0;
    const policy = await this.policies.forServer(serverName, now);
    const { serverId } = policy;
    const [rows, rollout] = await Promise.all([this.repository.snapshotRows(serverId, new Date(now)), this.weights.forServer(serverId)]);
    const fresh = snapshotParts(rows.nodepools, rows.placements);
    const partsUnchanged = previous !== undefined && sameParts(previous.parts, fresh);
    const parts = partsUnchanged ? previous.parts : fresh;
    const plan = armPlan({
      routerKind: policy.routerKind,
      versions: rows.versions,
      placedVersionIds: new Set(parts.candidates.map((c) => c.versionId)),
      rollout,
      championVersionId: rows.championVersionId,
    });
    const entry: ServerEntry = {
      serverName,
      serverId,
      builtAt: now,
      usedAt: previous?.usedAt ?? now,
      // Same content, same objects: route() keys its cache on their identity.
      policy: previous && JSON.stringify(previous.policy) === JSON.stringify(policy) ? previous.policy : policy,
      config: previous && previous.config.floorShare === policy.params.floorShare ? previous.config : routerConfigFor(policy.params),
      parts,
      plan: previous && JSON.stringify(previous.plan) === JSON.stringify(plan) ? previous.plan : plan,
      costPerCall: partsUnchanged ? previous.costPerCall : new Map(rows.nodepools.map((n) => [n.id, n.costPerCall])),
      armStats: previous?.armStats ?? {},
      ...(previous?.preferences ? { preferences: previous.preferences } : {}),
    };
    if (!partsUnchanged) await this.stats.track(serverId, parts.runners.map((r) => r.id));
    if (!previous && plan.split.kind !== 'WEIGHTED') await this.refreshArms(entry, now);
    if ((this.generations.get(serverName) ?? 0) === generation) this.entries.set(serverName, entry);
    return entry;
  }

  /** Bandit statistics merged across replicas, and the preferences decisions use for the next seconds. */
  private async refreshArms(entry: ServerEntry, now: number): Promise<void> {
    const { split, arms } = entry.plan;
    if (split.kind === 'WEIGHTED') return;
    entry.armStats = await this.stats.readArmStats(entry.serverId, entry.policy.params.bandit.halfLifeMs);
    const versionIds = arms.filter((a) => !a.rolledBack).map((a) => a.versionId);
    entry.preferences = computeArmPreferences({ kind: split.kind, stats: entry.armStats, params: entry.policy.params.bandit }, versionIds, now, this.rng);
  }

  /** The once-a-second refresh, off the request path. Public for tests, which drive it by hand. */
  async tick(now = Date.now()): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.stats.flush().catch((error: unknown) => this.logger.warn({ err: (error as Error).message }, 'could not write arm statistics to Redis'));
      for (const [serverName, entry] of this.entries) {
        if (now - entry.usedAt > ACTIVE_FOR_MS) {
          this.entries.delete(serverName);
          continue;
        }
        try {
          await this.stats.sweep(entry.serverId, now);
          await this.stats.health(entry.serverId, now);
          await this.refreshArms(entry, now);
        } catch (error) {
          this.logger.warn({ serverName, err: (error as Error).message }, 'routing refresh failed; decisions use the last statistics');
        }
      }
    } finally {
      this.ticking = false;
    }
  }
}
