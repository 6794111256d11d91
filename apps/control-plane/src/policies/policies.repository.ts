import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient, RoutePolicy } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';
import { keysetPage, type Page, type PageArgs } from '../graphql/pagination.js';

export interface RoutePolicyFilter {
  serverId?: string;
}

@Injectable()
export class PoliciesRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  findById(id: string): Promise<RoutePolicy | null> {
    return this.prisma.routePolicy.findUnique({ where: { id } });
  }

  findByServer(serverId: string): Promise<RoutePolicy | null> {
    return this.prisma.routePolicy.findUnique({ where: { serverId } });
  }

  create(tx: Tx, data: Prisma.RoutePolicyUncheckedCreateInput): Promise<RoutePolicy> {
    return tx.routePolicy.create({ data });
  }

  update(tx: Tx, id: string, data: Prisma.RoutePolicyUncheckedUpdateInput): Promise<RoutePolicy> {
    return tx.routePolicy.update({ where: { id }, data });
  }

  delete(tx: Tx, id: string): Promise<RoutePolicy> {
    return tx.routePolicy.delete({ where: { id } });
  }

  /** Which of these nodepool names exist (failover order refers to nodepools by name). */
  async existingNodepoolNames(names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows = await this.prisma.nodepool.findMany({ where: { name: { in: [...names] } }, select: { name: true } });
    return new Set(rows.map((row) => row.name));
  }

  page(filter: RoutePolicyFilter, args: PageArgs): Promise<Page<RoutePolicy>> {
    return keysetPage(this.prisma.routePolicy, this.where(filter), args);
  }

  private where(filter: RoutePolicyFilter): Prisma.RoutePolicyWhereInput {
    return { serverId: filter.serverId };
  }
}
