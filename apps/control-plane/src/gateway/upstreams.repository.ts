import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@switchyard/db';
import { PRISMA } from '../database/database.module.js';
import type { Upstream } from './upstream-chooser.js';

/** What the gateway reads about servers and where they are placed. */
@Injectable()
export class UpstreamsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async serverExists(name: string): Promise<boolean> {
    return (await this.prisma.mcpServer.count({ where: { name } })) > 0;
  }

  /**
   * The version's toolsHash, the first time the gateway sees its tools: a version is one build of a
   * server, so its first hash stands (a server whose tools vary per session would otherwise flap).
   */
  async recordToolsHash(versionId: string, toolsHash: string): Promise<void> {
    await this.prisma.mcpServerVersion.updateMany({ where: { id: versionId, toolsHash: null }, data: { toolsHash } });
  }

  /** Placements of any version of the server on HEALTHY runners that are neither fenced nor revoked. */
  async healthyPlacements(serverName: string): Promise<Upstream[]> {
    const rows = await this.prisma.placement.findMany({
      where: { runner: { status: 'HEALTHY', fencedAt: null, revokedAt: null }, deployment: { version: { server: { name: serverName } } } },
      select: { runnerId: true, deploymentId: true, runner: { select: { nodepoolId: true } }, deployment: { select: { versionId: true } } },
      orderBy: { id: 'asc' },
    });
    return rows.map((row) => ({ runnerId: row.runnerId, nodepoolId: row.runner.nodepoolId, deploymentId: row.deploymentId, versionId: row.deployment.versionId }));
  }
}
