import { Inject, Injectable } from '@nestjs/common';
import type { ApiKey, ApiKeyRole, Prisma, PrismaClient } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';
import { keysetPage, type Page, type PageArgs } from '../graphql/pagination.js';

export interface ApiKeyFilter {
  role?: ApiKeyRole;
  nameContains?: string;
  includeRevoked?: boolean;
}

@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  findByHash(hash: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findUnique({ where: { hash } });
  }

  findById(id: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findUnique({ where: { id } });
  }

  findByIds(ids: readonly string[]): Promise<ApiKey[]> {
    return this.prisma.apiKey.findMany({ where: { id: { in: [...ids] } } });
  }

  /** Serializes first-start bootstrap across replicas for the rest of the transaction. */
  async lockBootstrap(tx: Tx): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(72707370)`;
  }

  countActiveAdmins(now: Date, tx: Tx = this.prisma): Promise<number> {
    return tx.apiKey.count({
      where: { role: 'ADMIN', revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    });
  }

  create(tx: Tx, data: Prisma.ApiKeyUncheckedCreateInput): Promise<ApiKey> {
    return tx.apiKey.create({ data });
  }

  update(tx: Tx, id: string, data: Prisma.ApiKeyUncheckedUpdateInput): Promise<ApiKey> {
    return tx.apiKey.update({ where: { id }, data });
  }

  delete(tx: Tx, id: string): Promise<ApiKey> {
    return tx.apiKey.delete({ where: { id } });
  }

  /** Best effort, outside any transaction: a lost lastUsedAt update is harmless. */
  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: at } }).catch(() => undefined);
  }

  page(filter: ApiKeyFilter, args: PageArgs): Promise<Page<ApiKey>> {
    return keysetPage(this.prisma.apiKey, this.where(filter), args);
  }

  private where(filter: ApiKeyFilter): Prisma.ApiKeyWhereInput {
    return {
      role: filter.role,
      name: filter.nameContains ? { contains: filter.nameContains, mode: 'insensitive' } : undefined,
      revokedAt: filter.includeRevoked ? undefined : null,
    };
  }
}
