import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient, Rollout, RolloutEvent, RolloutPhase } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';
import { keysetPage, type Page, type PageArgs } from '../graphql/pagination.js';

/** The phases in which a rollout is over; the partial unique index uses the same list. */
export const FINAL_PHASES: readonly RolloutPhase[] = ['PROMOTED', 'ROLLED_BACK', 'ABORTED'];

export interface RolloutFilter {
  serverId?: string;
  phase?: RolloutPhase;
  /** true: not in a final phase; false: in one. */
  active?: boolean;
}

export interface RolloutEventFilter {
  rolloutId?: string;
  since?: Date;
}

@Injectable()
export class RolloutsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  transaction<T>(work: (tx: Tx) => Promise<T>, options?: { timeout?: number }): Promise<T> {
    return this.prisma.$transaction(work, options);
  }

  async serverNameOf(tx: Tx, serverId: string): Promise<string> {
    const server = await tx.mcpServer.findUniqueOrThrow({ where: { id: serverId }, select: { name: true } });
    return server.name;
  }

  findById(id: string): Promise<Rollout | null> {
    return this.prisma.rollout.findUnique({ where: { id } });
  }

  findActiveForServer(serverId: string, db: Tx | PrismaClient = this.prisma): Promise<Rollout | null> {
    return db.rollout.findFirst({ where: { serverId, phase: { notIn: [...FINAL_PHASES] } } });
  }

  /** The phase of the newest rollout that tried `versionId` as its challenger, or null. */
  async lastChallengePhase(versionId: string): Promise<Rollout['phase'] | null> {
    const row = await this.prisma.rollout.findFirst({ where: { challengerVersionId: versionId }, orderBy: { startedAt: 'desc' }, select: { phase: true } });
    return row?.phase ?? null;
  }

  async activeIds(): Promise<string[]> {
    const rows = await this.prisma.rollout.findMany({ where: { phase: { notIn: [...FINAL_PHASES] } }, select: { id: true }, orderBy: { id: 'asc' } });
    return rows.map((row) => row.id);
  }

  /**
   * The row, locked until the transaction ends (SELECT … FOR UPDATE): every change of a rollout
   * (operator command or analysis tick) reads and writes it under this lock, so two replicas
   * acting at once are applied one after the other and neither's events are lost.
   */
  async lock(tx: Tx, id: string): Promise<Rollout | null> {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM "Rollout" WHERE id = ${id}::uuid FOR UPDATE`;
    if (locked.length === 0) return null;
    return tx.rollout.findUnique({ where: { id } });
  }

  create(tx: Tx, data: Prisma.RolloutUncheckedCreateInput): Promise<Rollout> {
    return tx.rollout.create({ data });
  }

  /** Bumps `version` with every write, so pollers can tell a change by one integer. */
  update(tx: Tx, id: string, data: Prisma.RolloutUncheckedUpdateInput): Promise<Rollout> {
    return tx.rollout.update({ where: { id }, data: { ...data, version: { increment: 1 } } });
  }

  async appendEvents(tx: Tx, events: Prisma.RolloutEventCreateManyInput[]): Promise<void> {
    if (events.length > 0) await tx.rolloutEvent.createMany({ data: events });
  }

  page(filter: RolloutFilter, args: PageArgs): Promise<Page<Rollout>> {
    return keysetPage(this.prisma.rollout, this.where(filter), args, true);
  }

  eventsPage(filter: RolloutEventFilter, args: PageArgs): Promise<Page<RolloutEvent>> {
    const where: Prisma.RolloutEventWhereInput = { rolloutId: filter.rolloutId, at: filter.since ? { gte: filter.since } : undefined };
    return keysetPage(this.prisma.rolloutEvent, where, args);
  }

  /**
   * The version the server's most recently finished rollout left serving: a PROMOTED rollout's
   * challenger, a ROLLED_BACK or ABORTED rollout's champion (the router's champion rule, docs/router.md).
   */
  async lastServingVersionId(serverId: string): Promise<string | null> {
    const row = await this.prisma.rollout.findFirst({
      where: { serverId, phase: { in: [...FINAL_PHASES] } },
      orderBy: [{ finishedAt: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }],
      select: { phase: true, championVersionId: true, challengerVersionId: true },
    });
    if (!row) return null;
    return row.phase === 'PROMOTED' ? row.challengerVersionId : row.championVersionId;
  }

  /** The newest version of the server that has a deployment, other than `except`. */
  async newestDeployedVersionId(serverId: string, except: string): Promise<string | null> {
    const row = await this.prisma.mcpServerVersion.findFirst({
      where: { serverId, id: { not: except }, deployments: { some: {} } },
      orderBy: { id: 'desc' },
      select: { id: true },
    });
    return row?.id ?? null;
  }

  private where(filter: RolloutFilter): Prisma.RolloutWhereInput {
    const active = filter.active === undefined ? undefined : filter.active ? { notIn: [...FINAL_PHASES] } : { in: [...FINAL_PHASES] };
    return {
      serverId: filter.serverId,
      AND: [{ phase: filter.phase }, { phase: active }],
    };
  }
}
