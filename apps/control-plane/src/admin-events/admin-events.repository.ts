import { Inject, Injectable } from '@nestjs/common';
import type { AdminEvent, Prisma, PrismaClient } from '@switchyard/db';
import { PRISMA } from '../database/database.module.js';

export type Tx = Prisma.TransactionClient;

export interface AdminEventFilter {
  action?: string;
  targetType?: string;
  targetId?: string;
  actorKeyId?: string;
  since?: Date;
  until?: Date;
}

@Injectable()
export class AdminEventsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work);
  }

  insert(tx: Tx, event: Prisma.AdminEventUncheckedCreateInput): Promise<AdminEvent> {
    return tx.adminEvent.create({ data: event });
  }

  findAfter(filter: AdminEventFilter, take: number, afterId: string | undefined, newestFirst: boolean): Promise<AdminEvent[]> {
    const where = this.where(filter);
    if (afterId) where.id = newestFirst ? { lt: afterId } : { gt: afterId };
    return this.prisma.adminEvent.findMany({ where, take, orderBy: { id: newestFirst ? 'desc' : 'asc' } });
  }

  count(filter: AdminEventFilter): Promise<number> {
    return this.prisma.adminEvent.count({ where: this.where(filter) });
  }

  private where(filter: AdminEventFilter): Prisma.AdminEventWhereInput {
    return {
      action: filter.action,
      targetType: filter.targetType,
      targetId: filter.targetId,
      actorKeyId: filter.actorKeyId,
      at: filter.since || filter.until ? { gte: filter.since, lt: filter.until } : undefined,
    };
  }
}
