import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@switchyard/db';
import { PRISMA } from '../../database/database.module.js';

/** Which servers `/mcp` aggregates. */
@Injectable()
export class AggregateServersRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * Servers with a version placed on a HEALTHY runner that is neither fenced nor revoked, by name:
   * the ones a session could open now (the key's scope is applied by the caller).
   */
  async servedServerNames(): Promise<string[]> {
    const rows = await this.prisma.mcpServer.findMany({
      where: { versions: { some: { deployments: { some: { placements: { some: { runner: { status: 'HEALTHY', fencedAt: null, revokedAt: null } } } } } } } },
      select: { name: true },
      orderBy: { name: 'asc' },
    });
    return rows.map((row) => row.name);
  }
}
