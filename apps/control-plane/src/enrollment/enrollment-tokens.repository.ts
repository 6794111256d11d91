import { Inject, Injectable } from '@nestjs/common';
import type { EnrollmentToken, Nodepool, Prisma, PrismaClient } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';
import { keysetPage, type Page, type PageArgs } from '../graphql/pagination.js';
import { EnrollmentTokenState } from './enrollment-token.model.js';

export interface EnrollmentTokenFilter {
  nodepoolId?: string;
  state?: EnrollmentTokenState;
}

export type EnrollmentTokenWithNodepool = EnrollmentToken & { nodepool: Nodepool };

/** Lists show the nodepool of every token: one join instead of one query per token. */
const WITH_NODEPOOL = { nodepool: true } as const;

@Injectable()
export class EnrollmentTokensRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  findById(id: string, tx: Tx = this.prisma): Promise<EnrollmentTokenWithNodepool | null> {
    return tx.enrollmentToken.findUnique({ where: { id }, include: WITH_NODEPOOL });
  }

  findByHash(hash: string, tx: Tx = this.prisma): Promise<EnrollmentToken | null> {
    return tx.enrollmentToken.findUnique({ where: { hash } });
  }

  create(tx: Tx, data: Prisma.EnrollmentTokenUncheckedCreateInput): Promise<EnrollmentTokenWithNodepool> {
    return tx.enrollmentToken.create({ data, include: WITH_NODEPOOL });
  }

  delete(tx: Tx, id: string): Promise<EnrollmentToken> {
    return tx.enrollmentToken.delete({ where: { id } });
  }

  /** Revokes a token nobody has used yet; returns how many rows changed (0 or 1). */
  async revokeUnused(tx: Tx, id: string, now: Date): Promise<number> {
    const { count } = await tx.enrollmentToken.updateMany({
      where: { id, usedAt: null, revokedAt: null },
      data: { revokedAt: now },
    });
    return count;
  }

  /**
   * Marks the token used if, at this instant, it is unused, unrevoked and unexpired. One
   * conditional UPDATE: Postgres lets exactly one of several concurrent callers change the row
   * (the others re-check the WHERE after it commits and match nothing), so a token enrolls one
   * runner even when it is presented twice at once.
   */
  async markUsed(hash: string, now: Date, tx: Tx = this.prisma): Promise<number> {
    const { count } = await tx.enrollmentToken.updateMany({
      where: { hash, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    return count;
  }

  async setUsedBy(tx: Tx, id: string, runnerId: string): Promise<void> {
    await tx.enrollmentToken.update({ where: { id }, data: { usedByRunnerId: runnerId } });
  }

  page(filter: EnrollmentTokenFilter, now: Date, args: PageArgs): Promise<Page<EnrollmentTokenWithNodepool>> {
    return keysetPage({
      findMany: (args) => this.prisma.enrollmentToken.findMany({ ...args, include: WITH_NODEPOOL }),
      count: (args) => this.prisma.enrollmentToken.count(args),
    }, this.where(filter, now), args);
  }

  private where(filter: EnrollmentTokenFilter, now: Date): Prisma.EnrollmentTokenWhereInput {
    return { nodepoolId: filter.nodepoolId, ...(filter.state ? stateWhere(filter.state, now) : {}) };
  }
}

/** The rows in a state, matching `stateOf` in the service (REVOKED wins over USED over EXPIRED). */
function stateWhere(state: EnrollmentTokenState, now: Date): Prisma.EnrollmentTokenWhereInput {
  switch (state) {
    case EnrollmentTokenState.REVOKED:
      return { revokedAt: { not: null } };
    case EnrollmentTokenState.USED:
      return { revokedAt: null, usedAt: { not: null } };
    case EnrollmentTokenState.EXPIRED:
      return { revokedAt: null, usedAt: null, expiresAt: { lte: now } };
    case EnrollmentTokenState.ACTIVE:
      return { revokedAt: null, usedAt: null, expiresAt: { gt: now } };
  }
}
