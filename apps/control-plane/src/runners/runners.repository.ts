import { Inject, Injectable } from '@nestjs/common';
import type { Nodepool, Prisma, PrismaClient, Runner, RunnerStatus } from '@switchyard/db';
import { PRISMA } from '../database/database.module.js';

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

  findAfter(filter: RunnerFilter, take: number, afterId: string | undefined): Promise<RunnerWithNodepool[]> {
    const where = this.where(filter);
    if (afterId) where.id = { gt: afterId };
    return this.prisma.runner.findMany({ where, take, orderBy: { id: 'asc' }, include: WITH_NODEPOOL });
  }

  count(filter: RunnerFilter): Promise<number> {
    return this.prisma.runner.count({ where: this.where(filter) });
  }

  private where(filter: RunnerFilter): Prisma.RunnerWhereInput {
    return { nodepoolId: filter.nodepoolId, status: filter.status };
  }
}
