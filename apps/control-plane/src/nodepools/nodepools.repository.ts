import { Inject, Injectable } from '@nestjs/common';
import type { Nodepool, NodepoolKind, Prisma, PrismaClient } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';
import { keysetPage, type Page, type PageArgs } from '../graphql/pagination.js';

export interface NodepoolFilter {
  kind?: NodepoolKind;
  region?: string;
  jurisdiction?: string;
  nameContains?: string;
}

@Injectable()
export class NodepoolsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  findById(id: string): Promise<Nodepool | null> {
    return this.prisma.nodepool.findUnique({ where: { id } });
  }

  findByName(name: string): Promise<Nodepool | null> {
    return this.prisma.nodepool.findUnique({ where: { name } });
  }

  create(tx: Tx, data: Prisma.NodepoolCreateInput): Promise<Nodepool> {
    return tx.nodepool.create({ data });
  }

  update(tx: Tx, id: string, data: Prisma.NodepoolUpdateInput): Promise<Nodepool> {
    return tx.nodepool.update({ where: { id }, data });
  }

  delete(tx: Tx, id: string): Promise<Nodepool> {
    return tx.nodepool.delete({ where: { id } });
  }

  /** What still refers to a nodepool and blocks its deletion. */
  async dependents(id: string): Promise<{ runners: number; deployments: number }> {
    const [runners, deployments] = await Promise.all([
      this.prisma.runner.count({ where: { nodepoolId: id } }),
      this.prisma.deployment.count({ where: { nodepoolId: id } }),
    ]);
    return { runners, deployments };
  }

  page(filter: NodepoolFilter, args: PageArgs): Promise<Page<Nodepool>> {
    return keysetPage(this.prisma.nodepool, this.where(filter), args);
  }

  private where(filter: NodepoolFilter): Prisma.NodepoolWhereInput {
    return {
      kind: filter.kind,
      region: filter.region,
      jurisdiction: filter.jurisdiction,
      name: filter.nameContains ? { contains: filter.nameContains, mode: 'insensitive' } : undefined,
    };
  }
}
