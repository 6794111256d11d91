import { Inject, Injectable } from '@nestjs/common';
import { Prisma, type PrismaClient, type ToolCallOutcome } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';

/** What mirroring needs of a server's rollout while it is in SHADOW. */
export interface ShadowRollout {
  rolloutId: string;
  serverName: string;
  championVersionId: string;
  challengerVersionId: string;
  shadowTools: readonly string[];
}

export type ShadowVerdict = 'same' | 'different' | 'not-compared';

export interface ShadowCounts {
  compared: number;
  differing: number;
  notCompared: number;
}

/** The audit row of a mirrored call (ToolInvocation with shadow = true). */
export interface ShadowCallRow {
  callId: string;
  apiKeyId: string | null;
  traceId: string | null;
  serverName: string;
  versionId: string;
  runnerId: string;
  nodepoolId: string;
  rolloutId: string;
  tool: string;
  argumentsHmac: string;
  startedAt: Date;
}

/** The shadow module's only database access: rollouts in SHADOW, comparison counts, shadow audit rows. */
@Injectable()
export class ShadowRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** The server's rollout if it is in SHADOW (a paused one mirrors nothing), else null. */
  async shadowRolloutOf(serverName: string): Promise<ShadowRollout | null> {
    const rows = await this.prisma.$queryRaw<ShadowRollout[]>`
      SELECT r.id AS "rolloutId", s.name AS "serverName", r."championVersionId"::text AS "championVersionId",
             r."challengerVersionId"::text AS "challengerVersionId", r."shadowTools"
        FROM "Rollout" r JOIN "McpServer" s ON s.id = r."serverId"
       WHERE s.name = ${serverName} AND r.phase = 'SHADOW'
       LIMIT 1`;
    const row = rows[0];
    return row === undefined ? null : { ...row, rolloutId: String(row.rolloutId) };
  }

  async rolloutById(rolloutId: string): Promise<(ShadowRollout & { phase: string }) | null> {
    const row = await this.prisma.rollout.findUnique({ where: { id: rolloutId }, include: { server: { select: { name: true } } } });
    if (row === null) return null;
    return {
      rolloutId: row.id,
      serverName: row.server.name,
      championVersionId: row.championVersionId,
      challengerVersionId: row.challengerVersionId,
      shadowTools: row.shadowTools,
      phase: row.phase,
    };
  }

  setShadowTools(tx: Tx, rolloutId: string, tools: readonly string[]) {
    return tx.rollout.update({ where: { id: rolloutId }, data: { shadowTools: [...tools], version: { increment: 1 } } });
  }

  async recordComparison(rolloutId: string, tool: string, verdict: ShadowVerdict, reason: string | null): Promise<void> {
    await this.prisma.shadowComparison.create({ data: { rolloutId, tool, verdict, reason } });
  }

  /** Comparisons of the rollout at or after `from` and before `to` (all of them without a window). */
  async counts(rolloutId: string, window?: { from: Date; to: Date }, db: Tx | PrismaClient = this.prisma): Promise<ShadowCounts> {
    const inWindow = window ? Prisma.sql`AND "at" >= ${window.from} AND "at" < ${window.to}` : Prisma.empty;
    const [row] = await db.$queryRaw<ShadowCounts[]>`
      SELECT count(*) FILTER (WHERE verdict <> 'not-compared')::int AS compared,
             count(*) FILTER (WHERE verdict = 'different')::int AS differing,
             count(*) FILTER (WHERE verdict = 'not-compared')::int AS "notCompared"
        FROM "ShadowComparison"
       WHERE "rolloutId" = ${rolloutId}::uuid ${inWindow}`;
    return row ?? { compared: 0, differing: 0, notCompared: 0 };
  }

  /** Written before the mirrored call is sent, as every audited call: a crash leaves it PENDING. */
  async callStarted(row: ShadowCallRow): Promise<void> {
    await this.prisma.toolInvocation.create({ data: { ...row, arm: row.versionId, shadow: true, outcome: 'PENDING' } });
  }

  async callFinished(callId: string, outcome: ToolCallOutcome, errorCode: string | null, finishedAt: Date, latencyMs: number): Promise<void> {
    await this.prisma.toolInvocation.updateMany({ where: { callId, outcome: 'PENDING' }, data: { outcome, errorCode, finishedAt, latencyMs } });
  }
}
