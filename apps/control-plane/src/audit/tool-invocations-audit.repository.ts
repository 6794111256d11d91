import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient, ToolInvocation } from '@switchyard/db';
import { PRISMA } from '../database/database.module.js';
import type { Page, PageArgs } from '../graphql/pagination.js';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor.js';

export interface ToolInvocationFilter {
  serverName?: string;
  apiKeyId?: string;
  sessionId?: string;
  outcome?: ToolInvocation['outcome'];
  tool?: string;
  versionId?: string;
  runnerId?: string;
  shadow?: boolean;
  startedAfter?: Date;
  startedBefore?: Date;
}

/** One replica at a time deletes old rows (api keys use 72707370, the NATS account 72707371, placement 72707372). */
const RETENTION_LOCK_KEY = 72707373;

/**
 * Reads and prunes the tool-call audit log (ToolInvocation). The gateway writes it
 * (gateway/tool-invocations.repository.ts); this side only queries and deletes by age.
 */
@Injectable()
export class ToolInvocationsAuditRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** Newest first, by (startedAt, callId): the indexes on startedAt (alone, and after serverName or apiKeyId) serve it. */
  async page(filter: ToolInvocationFilter, args: PageArgs): Promise<Page<ToolInvocation>> {
    const where = whereOf(filter);
    const after = args.after === undefined ? undefined : decodeAuditCursor(args.after);
    const afterWhere: Prisma.ToolInvocationWhereInput | undefined = after && {
      OR: [{ startedAt: { lt: after.startedAt } }, { startedAt: after.startedAt, callId: { lt: after.callId } }],
    };
    const [rows, totalCount] = await Promise.all([
      this.prisma.toolInvocation.findMany({ where: afterWhere ? { AND: [where, afterWhere] } : where, orderBy: [{ startedAt: 'desc' }, { callId: 'desc' }], take: args.first + 1 }),
      this.prisma.toolInvocation.count({ where }),
    ]);
    const hasNextPage = rows.length > args.first;
    const nodes = hasNextPage ? rows.slice(0, args.first) : rows;
    const last = nodes.at(-1);
    return { nodes, totalCount, pageInfo: { hasNextPage, endCursor: last ? encodeAuditCursor(last) : null } };
  }

  /**
   * Deletes up to `batch` rows started before `cutoff`, in a transaction holding the retention
   * advisory lock; `undefined` when another replica holds it (it is pruning: this one stops).
   * Small batches keep each transaction short beside the gateway's inserts.
   */
  async deleteBatchStartedBefore(cutoff: Date, batch: number): Promise<number | undefined> {
    return this.prisma.$transaction(async (tx) => {
      const [lock] = await tx.$queryRaw<Array<{ locked: boolean }>>`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK_KEY}::bigint) AS locked`;
      if (lock?.locked !== true) return undefined;
      // startedAt is a UTC timestamp without zone (as Prisma stores DateTime): compare in UTC.
      return tx.$executeRaw`
        DELETE FROM "ToolInvocation" WHERE "callId" IN (
          SELECT "callId" FROM "ToolInvocation" WHERE "startedAt" < (${cutoff.toISOString()}::timestamptz AT TIME ZONE 'UTC') ORDER BY "startedAt" LIMIT ${batch}
        )`;
    });
  }
}

function whereOf(filter: ToolInvocationFilter): Prisma.ToolInvocationWhereInput {
  return {
    serverName: filter.serverName,
    apiKeyId: filter.apiKeyId,
    sessionId: filter.sessionId,
    outcome: filter.outcome,
    tool: filter.tool,
    versionId: filter.versionId,
    runnerId: filter.runnerId,
    shadow: filter.shadow,
    startedAt: filter.startedAfter || filter.startedBefore ? { gte: filter.startedAfter, lt: filter.startedBefore } : undefined,
  };
}
