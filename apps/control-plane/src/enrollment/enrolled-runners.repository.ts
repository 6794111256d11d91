import { Inject, Injectable } from '@nestjs/common';
import { RunnerStatus, type Prisma, type PrismaClient, type Runner } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';

/**
 * Runner rows as the credential lifecycle writes them: created by enrollment, locked by renewal,
 * marked by revocation. (Liveness and placement change other columns elsewhere.)
 */
@Injectable()
export class EnrolledRunnersRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work);
  }

  findById(id: string, tx: Tx = this.prisma): Promise<Runner | null> {
    return tx.runner.findUnique({ where: { id } });
  }

  findByName(tx: Tx, nodepoolId: string, name: string): Promise<Runner | null> {
    return tx.runner.findUnique({ where: { nodepoolId_name: { nodepoolId, name } } });
  }

  findByPublicKey(tx: Tx, publicKey: string): Promise<Runner | null> {
    return tx.runner.findUnique({ where: { publicKey } });
  }

  create(tx: Tx, data: Prisma.RunnerUncheckedCreateInput): Promise<Runner> {
    return tx.runner.create({ data });
  }

  /**
   * Locks the row of a runner that may renew (not revoked, not fenced) until `tx` ends, and says
   * whether there was one. A revocation's UPDATE of the same row waits for that commit, so a JWT
   * signed inside `tx` is always issued before the revocation's timestamp and covered by it.
   */
  async lockRenewable(tx: Tx, id: string, now: Date): Promise<boolean> {
    const { count } = await tx.runner.updateMany({ where: { id, revokedAt: null, fencedAt: null }, data: { updatedAt: now } });
    return count === 1;
  }

  /** Revoked and OFFLINE; a second revocation keeps the first `revokedAt`. */
  async markRevoked(tx: Tx, id: string, now: Date): Promise<Runner | null> {
    const runner = await tx.runner.findUnique({ where: { id } });
    if (!runner) return null;
    return tx.runner.update({ where: { id }, data: { revokedAt: runner.revokedAt ?? now, status: RunnerStatus.OFFLINE } });
  }
}
