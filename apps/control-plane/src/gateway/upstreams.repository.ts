import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@switchyard/db';
import { PRISMA } from '../database/database.module.js';

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
}
