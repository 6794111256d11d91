import { Inject, Injectable } from '@nestjs/common';
import type { Deployment, Placement, Prisma, PrismaClient } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';
import { keysetPage, type Page, type PageArgs } from '../graphql/pagination.js';

export interface DeploymentFilter {
  nodepoolId?: string;
  versionId?: string;
  serverId?: string;
}

@Injectable()
export class DeploymentsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  findById(id: string): Promise<Deployment | null> {
    return this.prisma.deployment.findUnique({ where: { id } });
  }

  findByVersionAndNodepool(versionId: string, nodepoolId: string): Promise<Deployment | null> {
    return this.prisma.deployment.findUnique({ where: { versionId_nodepoolId: { versionId, nodepoolId } } });
  }

  create(tx: Tx, data: Prisma.DeploymentUncheckedCreateInput): Promise<Deployment> {
    return tx.deployment.create({ data });
  }

  update(tx: Tx, id: string, data: Prisma.DeploymentUncheckedUpdateInput): Promise<Deployment> {
    return tx.deployment.update({ where: { id }, data });
  }

  /** Placements go with it (cascade): they are the deployment's replicas. */
  delete(tx: Tx, id: string): Promise<Deployment> {
    return tx.deployment.delete({ where: { id } });
  }

  placements(deploymentId: string): Promise<Placement[]> {
    return this.prisma.placement.findMany({ where: { deploymentId }, orderBy: { id: 'asc' } });
  }

  page(filter: DeploymentFilter, args: PageArgs): Promise<Page<Deployment>> {
    return keysetPage(this.prisma.deployment, this.where(filter), args);
  }

  private where(filter: DeploymentFilter): Prisma.DeploymentWhereInput {
    return {
      nodepoolId: filter.nodepoolId,
      versionId: filter.versionId,
      version: filter.serverId ? { serverId: filter.serverId } : undefined,
    };
  }
}
