// What an analysis tick measures: per nodepool and arm, the calls, failures and p95 latency of the
// audited tool calls (ToolInvocation) in the analysis window, and the propensity-weighted reward
// sums the DECISION needs. Arms are told apart by version id (the gateway records the version of
// every call), so the numbers do not depend on the router having tagged the row with the rollout.
import { Inject, Injectable } from '@nestjs/common';
import { Prisma, type PrismaClient } from '@switchyard/db';
import { addRewardRecord, EMPTY_REWARD_SUMS, type AnalysisMetrics, type ArmCallMetrics, type NodepoolMetrics, type RewardSums, type ShadowMetrics } from '@switchyard/rollout';
import { callReward } from '@switchyard/router';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';
import { COUNTED_OUTCOMES, FAILURE_OUTCOMES, NOT_THE_VERSIONS_FAULT } from './call-outcome-class.js';

export interface MetricsWindow {
  serverName: string;
  championVersionId: string;
  challengerVersionId: string;
  from: Date;
  to: Date;
}

type Arm = 'champion' | 'challenger';

interface ArmRow {
  nodepoolId: string;
  arm: Arm;
  calls: number;
  errors: number;
  latencyCount: number;
  p95: number | null;
}

interface RewardRow {
  arm: Arm;
  failed: boolean;
  latencyMs: number | null;
  propensity: number;
  n: number;
}

const NO_CALLS: ArmCallMetrics = { calls: 0, errors: 0, latency: null };

@Injectable()
export class RolloutMetricsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * The window's metrics. Counted rows: finished calls of either version whose outcome counts
   * (call-outcome-class.ts), on a known nodepool, started within [from, to). Shadow rows count for
   * the challenger (each is a real execution of it) but not for the champion, whose mirrored
   * copies would count its real calls twice.
   */
  async measure(window: MetricsWindow, options: { rewards: boolean; shadowOf?: string }, db: Tx | PrismaClient = this.prisma): Promise<AnalysisMetrics> {
    const armRows = await db.$queryRaw<ArmRow[]>(Prisma.sql`
      SELECT "nodepoolId",
             ${this.armCase(window)} AS arm,
             count(*)::int AS calls,
             count(*) FILTER (WHERE ${this.failed()})::int AS errors,
             count("latencyMs")::int AS "latencyCount",
             percentile_cont(0.95) WITHIN GROUP (ORDER BY "latencyMs") AS p95
        FROM "ToolInvocation"
       WHERE ${this.counted(window)}
       GROUP BY 1, 2
       ORDER BY 1, 2`);
    const nodepools = nodepoolsOf(armRows);
    const metrics: AnalysisMetrics = options.shadowOf === undefined ? { nodepools } : { nodepools, shadow: await this.shadowCounts(options.shadowOf, window, db) };
    if (!options.rewards) return metrics;
    const rewardRows = await db.$queryRaw<RewardRow[]>(Prisma.sql`
      SELECT ${this.armCase(window)} AS arm,
             (${this.failed()}) AS failed,
             "latencyMs",
             "propensity",
             count(*)::int AS n
        FROM "ToolInvocation"
       WHERE ${this.counted(window)} AND NOT "shadow" AND "propensity" > 0 AND "propensity" <= 1
       GROUP BY 1, 2, 3, 4`);
    return { ...metrics, rewards: rewardSumsOf(rewardRows) };
  }

  /**
   * SHADOW: the mirrored calls of the rollout compared in the window (src/shadow writes one
   * ShadowComparison row per mirrored call; calls not compared are not counted).
   */
  private async shadowCounts(rolloutId: string, window: MetricsWindow, db: Tx | PrismaClient): Promise<ShadowMetrics> {
    const [row] = await db.$queryRaw<ShadowMetrics[]>(Prisma.sql`
      SELECT count(*) FILTER (WHERE verdict IN ('same', 'different'))::int AS compared,
             count(*) FILTER (WHERE verdict = 'different')::int AS differing
        FROM "ShadowComparison"
       WHERE "rolloutId" = ${rolloutId}::uuid AND "at" >= ${window.from} AND "at" < ${window.to}`);
    return row ?? { compared: 0, differing: 0 };
  }

  private armCase(window: MetricsWindow): Prisma.Sql {
    return Prisma.sql`CASE WHEN "versionId" = ${window.challengerVersionId} THEN 'challenger' ELSE 'champion' END`;
  }

  private failed(): Prisma.Sql {
    return Prisma.sql`"outcome"::text IN (${Prisma.join([...FAILURE_OUTCOMES])})`;
  }

  private counted(window: MetricsWindow): Prisma.Sql {
    return Prisma.sql`"serverName" = ${window.serverName}
         AND "versionId" IN (${window.championVersionId}, ${window.challengerVersionId})
         AND "nodepoolId" IS NOT NULL
         AND "startedAt" >= ${window.from} AND "startedAt" < ${window.to}
         AND "outcome"::text IN (${Prisma.join([...COUNTED_OUTCOMES])})
         AND NOT ("outcome" = 'INTERRUPTED' AND coalesce("errorCode", '') IN (${Prisma.join([...NOT_THE_VERSIONS_FAULT])}))
         AND (NOT "shadow" OR "versionId" = ${window.challengerVersionId})`;
  }
}

function nodepoolsOf(rows: readonly ArmRow[]): NodepoolMetrics[] {
  const byPool = new Map<string, { champion: ArmCallMetrics; challenger: ArmCallMetrics }>();
  for (const row of rows) {
    const pool = byPool.get(row.nodepoolId) ?? { champion: NO_CALLS, challenger: NO_CALLS };
    pool[row.arm] = {
      calls: row.calls,
      errors: row.errors,
      latency: row.latencyCount > 0 && row.p95 !== null ? { count: row.latencyCount, p95Ms: Number(row.p95) } : null,
    };
    byPool.set(row.nodepoolId, pool);
  }
  return [...byPool].map(([nodepoolId, arms]) => ({ nodepoolId, ...arms }));
}

/**
 * The reward of each call is the router's (callReward, default weights): the DECISION compares
 * the arms on what the bandit optimised. Rows arrive grouped by (arm, outcome, latency, propensity).
 */
function rewardSumsOf(rows: readonly RewardRow[]): RewardSums {
  let sums = EMPTY_REWARD_SUMS;
  for (const row of rows) {
    const reward = callReward(row.failed ? 'failure' : 'success', row.latencyMs ?? 0, 0) ?? 0;
    for (let i = 0; i < row.n; i += 1) sums = addRewardRecord(sums, { arm: row.arm, reward, propensity: Number(row.propensity) });
  }
  return sums;
}
