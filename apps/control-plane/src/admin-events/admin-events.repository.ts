import { Inject, Injectable } from '@nestjs/common';
import type { AdminEvent, Prisma, PrismaClient } from '@switchyard/db';
import { PRISMA } from '../database/database.module.js';
import { keysetPage, type Page, type PageArgs } from '../graphql/pagination.js';

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

  page(filter: AdminEventFilter, args: PageArgs, newestFirst = false): Promise<Page<AdminEvent>> {
    return keysetPage(this.prisma.adminEvent, this.where(filter), args, newestFirst);
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
