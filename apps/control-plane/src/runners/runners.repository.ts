import { Inject, Injectable } from '@nestjs/common';
import { RunnerStatus, type Nodepool, type Prisma, type PrismaClient, type Runner } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';
import { keysetPage, type Page, type PageArgs } from '../graphql/pagination.js';

export interface RunnerFilter {
  nodepoolId?: string;
  status?: RunnerStatus;
}

export type RunnerWithNodepool = Runner & { nodepool: Nodepool };

/** Lists show each runner's nodepool: one join instead of one query per runner. */
const WITH_NODEPOOL = { nodepool: true } as const;

@Injectable()
export class RunnersRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  findById(id: string): Promise<RunnerWithNodepool | null> {
    return this.prisma.runner.findUnique({ where: { id }, include: WITH_NODEPOOL });
  }

  page(filter: RunnerFilter, args: PageArgs): Promise<Page<RunnerWithNodepool>> {
    return keysetPage({
      findMany: (args) => this.prisma.runner.findMany({ ...args, include: WITH_NODEPOOL }),
      count: (args) => this.prisma.runner.count(args),
    }, this.where(filter), args);
  }

  // ---- liveness and heartbeats. Every replica sees the same $SYS events, so each write below is
  // conditional on the state it changes: repeating it (another replica, a replay) changes nothing.

  findByPublicKey(publicKey: string): Promise<Runner | null> {
    return this.prisma.runner.findUnique({ where: { publicKey } });
  }

  findRunner(id: string): Promise<Runner | null> {
    return this.prisma.runner.findUnique({ where: { id } });
  }

  /**
   * Runners whose status claims they are connected and heartbeating; reconciliation checks them.
   * ENROLLED is left alone: it is also "enrolled, never connected", which only a connection ends.
   */
  findReportingIn(): Promise<Array<Pick<Runner, 'id' | 'publicKey'>>> {
    return this.prisma.runner.findMany({
      where: { status: { in: [RunnerStatus.HEALTHY, RunnerStatus.UNHEALTHY, RunnerStatus.DRAINING] } },
      select: { id: true, publicKey: true },
    });
  }

  /** ENROLLED, HEALTHY or UNHEALTHY → DRAINING, in the caller's transaction; false otherwise. */
  async markDraining(tx: Tx, id: string): Promise<boolean> {
    const { count } = await tx.runner.updateMany({
      where: { id, status: { in: [RunnerStatus.ENROLLED, RunnerStatus.HEALTHY, RunnerStatus.UNHEALTHY] }, fencedAt: null, revokedAt: null },
      data: { status: RunnerStatus.DRAINING },
    });
    return count > 0;
  }

  /** OFFLINE → ENROLLED (connected, awaiting its first heartbeat). Fenced and revoked runners stay OFFLINE. */
  async markConnected(id: string): Promise<boolean> {
    const { count } = await this.prisma.runner.updateMany({
      where: { id, status: RunnerStatus.OFFLINE, fencedAt: null, revokedAt: null },
      data: { status: RunnerStatus.ENROLLED },
    });
    return count > 0;
  }

  async markOffline(id: string): Promise<boolean> {
    const { count } = await this.prisma.runner.updateMany({
      where: { id, status: { not: RunnerStatus.OFFLINE } },
      // What it ran and had in flight is unknown from now on, not what it last said.
      data: { status: RunnerStatus.OFFLINE, servers: [], inFlight: 0 },
    });
    return count > 0;
  }

  /** Sets fencedAt once; true only for the caller (replica) that set it. */
  async fence(tx: Tx, id: string, at: Date): Promise<boolean> {
    const { count } = await tx.runner.updateMany({ where: { id, fencedAt: null }, data: { fencedAt: at, status: RunnerStatus.OFFLINE } });
    return count > 0;
  }

  /** What a heartbeat says, unless the runner was fenced or revoked meanwhile. `status` undefined keeps it. */
  async applyHeartbeat(
    id: string,
    data: { version: string; capacity: number; gpus: Prisma.InputJsonValue; servers: Prisma.InputJsonValue; inFlight: number; lastSeenAt: Date; status?: RunnerStatus },
  ): Promise<boolean> {
    const { count } = await this.prisma.runner.updateMany({ where: { id, fencedAt: null, revokedAt: null }, data });
    return count > 0;
  }

  /** Runners reporting in whose last heartbeat is older than `cutoff`. */
  findSilentSince(cutoff: Date): Promise<Array<Pick<Runner, 'id' | 'status'>>> {
    return this.prisma.runner.findMany({
      where: { status: { in: [RunnerStatus.HEALTHY, RunnerStatus.UNHEALTHY, RunnerStatus.DRAINING] }, lastSeenAt: { lt: cutoff } },
      select: { id: true, status: true },
    });
  }

  /** HEALTHY or DRAINING → UNHEALTHY, if its heartbeats are still older than `cutoff`. */
  async markSilent(id: string, cutoff: Date): Promise<boolean> {
    const { count } = await this.prisma.runner.updateMany({
      where: { id, status: { in: [RunnerStatus.HEALTHY, RunnerStatus.DRAINING] }, lastSeenAt: { lt: cutoff } },
      data: { status: RunnerStatus.UNHEALTHY },
    });
    return count > 0;
  }

  /** The database this installation uses (names its heartbeat queue group). */
  async databaseName(): Promise<string> {
    const [row] = await this.prisma.$queryRaw<Array<{ name: string }>>`SELECT current_database() AS name`;
    return row?.name ?? 'switchyard';
  }

  /** Runners by status, revoked ones left out (they are gone for good). */
  async countByStatus(): Promise<Map<RunnerStatus, number>> {
    const groups = await this.prisma.runner.groupBy({ by: ['status'], where: { revokedAt: null }, _count: { _all: true } });
    return new Map(groups.map((g) => [g.status, g._count._all]));
  }

  private where(filter: RunnerFilter): Prisma.RunnerWhereInput {
    return { nodepoolId: filter.nodepoolId, status: filter.status };
  }
}
