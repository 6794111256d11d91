import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient, Secret } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';
import { keysetPage, type Page, type PageArgs } from '../graphql/pagination.js';

export interface SecretFilter {
  nameContains?: string;
}

/** A server version that names a secret in its secretEnv. */
export interface SecretReference {
  server: string;
  version: string;
}

@Injectable()
export class SecretsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  findById(id: string): Promise<Secret | null> {
    return this.prisma.secret.findUnique({ where: { id } });
  }

  findByName(name: string): Promise<Secret | null> {
    return this.prisma.secret.findUnique({ where: { name } });
  }

  create(tx: Tx, data: Prisma.SecretCreateInput): Promise<Secret> {
    return tx.secret.create({ data });
  }

  update(tx: Tx, id: string, data: Prisma.SecretUpdateInput): Promise<Secret> {
    return tx.secret.update({ where: { id }, data });
  }

  delete(tx: Tx, id: string): Promise<Secret> {
    return tx.secret.delete({ where: { id } });
  }

  /**
   * Server versions whose secretEnv ({ "VAR": "<secret name>" }) names this secret. The link is
   * by name inside JSON, so there is no foreign key to do this for us; a JSON path over the
   * object's values finds it (lax mode: a secretEnv that is not an object simply matches nothing).
   */
  referencesTo(name: string, tx: Tx = this.prisma, limit = 10): Promise<SecretReference[]> {
    return tx.$queryRaw<SecretReference[]>`
      SELECT s."name" AS "server", v."version" AS "version"
      FROM "McpServerVersion" v JOIN "McpServer" s ON s."id" = v."serverId"
      WHERE jsonb_path_exists(v."secretEnv", '$.* ? (@ == $name)', jsonb_build_object('name', ${name}::text))
      ORDER BY s."name", v."version"
      LIMIT ${limit}`;
  }

  page(filter: SecretFilter, args: PageArgs): Promise<Page<Secret>> {
    return keysetPage(this.prisma.secret, this.where(filter), args);
  }

  private where(filter: SecretFilter): Prisma.SecretWhereInput {
    return {
      name: filter.nameContains ? { contains: filter.nameContains, mode: 'insensitive' } : undefined,
    };
  }
}
