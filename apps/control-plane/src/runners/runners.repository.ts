import { Inject, Injectable } from '@nestjs/common';
import type { Nodepool, Prisma, PrismaClient, Runner, RunnerStatus } from '@switchyard/db';
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

  private where(filter: RunnerFilter): Prisma.RunnerWhereInput {
    return { nodepoolId: filter.nodepoolId, status: filter.status };
  }
}
