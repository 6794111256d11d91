import { Inject, Injectable } from '@nestjs/common';
import type { McpServer, McpServerVersion, Prisma, PrismaClient } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';
import { keysetPage, type Page, type PageArgs } from '../graphql/pagination.js';

export interface McpServerFilter {
  nameContains?: string;
}

export interface McpServerVersionFilter {
  serverId?: string;
  serverName?: string;
}

/** McpServer and McpServerVersion rows: the servers module's only access to the database. */
@Injectable()
export class ServersRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  findServerById(id: string): Promise<McpServer | null> {
    return this.prisma.mcpServer.findUnique({ where: { id } });
  }

  findServerByName(name: string): Promise<McpServer | null> {
    return this.prisma.mcpServer.findUnique({ where: { name } });
  }

  createServer(tx: Tx, data: Prisma.McpServerCreateInput): Promise<McpServer> {
    return tx.mcpServer.create({ data });
  }

  updateServer(tx: Tx, id: string, data: Prisma.McpServerUpdateInput): Promise<McpServer> {
    return tx.mcpServer.update({ where: { id }, data });
  }

  deleteServer(tx: Tx, id: string): Promise<McpServer> {
    return tx.mcpServer.delete({ where: { id } });
  }

  pageServers(filter: McpServerFilter, args: PageArgs): Promise<Page<McpServer>> {
    return keysetPage(this.prisma.mcpServer, this.serverWhere(filter), args);
  }

  findVersionById(id: string): Promise<McpServerVersion | null> {
    return this.prisma.mcpServerVersion.findUnique({ where: { id } });
  }

  findVersion(serverId: string, version: string): Promise<McpServerVersion | null> {
    return this.prisma.mcpServerVersion.findUnique({ where: { serverId_version: { serverId, version } } });
  }

  createVersion(tx: Tx, data: Prisma.McpServerVersionUncheckedCreateInput): Promise<McpServerVersion> {
    return tx.mcpServerVersion.create({ data });
  }

  updateVersion(tx: Tx, id: string, data: Prisma.McpServerVersionUncheckedUpdateInput): Promise<McpServerVersion> {
    return tx.mcpServerVersion.update({ where: { id }, data });
  }

  deleteVersion(tx: Tx, id: string): Promise<McpServerVersion> {
    return tx.mcpServerVersion.delete({ where: { id } });
  }

  /** Ids ascend with creation time (UUIDv7), so the newest versions come first in id order descending. */
  newestVersions(serverId: string, take: number): Promise<McpServerVersion[]> {
    return this.prisma.mcpServerVersion.findMany({ where: { serverId }, take, orderBy: { id: 'desc' } });
  }

  countVersions(filter: McpServerVersionFilter): Promise<number> {
    return this.prisma.mcpServerVersion.count({ where: this.versionWhere(filter) });
  }

  pageVersions(filter: McpServerVersionFilter, args: PageArgs): Promise<Page<McpServerVersion>> {
    return keysetPage(this.prisma.mcpServerVersion, this.versionWhere(filter), args);
  }

  /** What still refers to a version and blocks deleting it (or, for deployments, changing its launch spec). */
  async versionDependents(id: string): Promise<{ deployments: number; rollouts: number }> {
    const [deployments, rollouts] = await Promise.all([
      this.prisma.deployment.count({ where: { versionId: id } }),
      this.prisma.rollout.count({ where: { OR: [{ championVersionId: id }, { challengerVersionId: id }] } }),
    ]);
    return { deployments, rollouts };
  }

  /** Which of these Secret names exist. Reads names only: secret values never leave their table here. */
  async existingSecretNames(names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows = await this.prisma.secret.findMany({ where: { name: { in: [...names] } }, select: { name: true } });
    return new Set(rows.map((row) => row.name));
  }

  private serverWhere(filter: McpServerFilter): Prisma.McpServerWhereInput {
    return { name: filter.nameContains ? { contains: filter.nameContains, mode: 'insensitive' } : undefined };
  }

  private versionWhere(filter: McpServerVersionFilter): Prisma.McpServerVersionWhereInput {
    return { serverId: filter.serverId, server: filter.serverName ? { name: filter.serverName } : undefined };
  }
}
