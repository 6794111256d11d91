import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient } from '@switchyard/db';
import { z } from 'zod';
import { PRISMA } from '../database/database.module.js';

/** One account's state as stored: what its JWT says, the JWT itself and how often it changed. */
export interface StoredAccountState {
  accountPublicKey: string;
  limits: Record<string, number | boolean>;
  signingKeys: string[];
  /** `{ "<user nkey>": unixSeconds }` */
  revocations: Record<string, number>;
  jwt: string;
  revision: number;
}

export type AccountStateChange = Pick<StoredAccountState, 'limits' | 'signingKeys' | 'revocations' | 'jwt'>;

const limitsSchema = z.record(z.string(), z.union([z.number(), z.boolean()]));
const revocationsSchema = z.record(z.string(), z.number().int());

// Namespace of this lock (the migrator and the bootstrap key use other numbers); the second key
// is the account, so different accounts do not wait for each other.
const ACCOUNT_LOCK_NAMESPACE = 72707371;
const TRANSACTION_TIMEOUT_MS = 20_000;

@Injectable()
export class NatsAccountStateRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * Read → change → persist → publish for one account, one caller at a time across every replica:
   * a Postgres advisory lock held until this transaction ends. `initial` seeds the row on first
   * use. `publish` runs last, so the row is only committed when the server accepted the JWT; if it
   * throws, nothing is stored and the caller sees the error.
   */
  async updateExclusively(
    accountPublicKey: string,
    initial: () => AccountStateChange,
    change: (current: StoredAccountState) => Promise<AccountStateChange>,
    publish: (jwt: string) => Promise<void>,
  ): Promise<StoredAccountState> {
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ACCOUNT_LOCK_NAMESPACE}::int, hashtext(${accountPublicKey}))`;
        const current = (await this.read(tx, accountPublicKey)) ?? (await this.create(tx, accountPublicKey, initial()));
        const next = await change(current);
        const saved = await tx.natsAccountState.update({
          where: { accountPublicKey },
          data: { ...next, revision: { increment: 1 } },
        });
        await publish(next.jwt);
        return toState(saved);
      },
      // Waiting for the lock counts against the timeout: allow a queue of several updates.
      { timeout: TRANSACTION_TIMEOUT_MS, maxWait: TRANSACTION_TIMEOUT_MS },
    );
  }

  async find(accountPublicKey: string): Promise<StoredAccountState | undefined> {
    return this.read(this.prisma, accountPublicKey);
  }

  private async read(db: Prisma.TransactionClient, accountPublicKey: string): Promise<StoredAccountState | undefined> {
    const row = await db.natsAccountState.findUnique({ where: { accountPublicKey } });
    return row ? toState(row) : undefined;
  }

  private async create(tx: Prisma.TransactionClient, accountPublicKey: string, state: AccountStateChange): Promise<StoredAccountState> {
    return toState(await tx.natsAccountState.create({ data: { accountPublicKey, ...state } }));
  }
}

type Row = Awaited<ReturnType<PrismaClient['natsAccountState']['findUniqueOrThrow']>>;

function toState(row: Row): StoredAccountState {
  if (!row.jwt) throw new Error(`NatsAccountState ${row.accountPublicKey} has no JWT`);
  return {
    accountPublicKey: row.accountPublicKey,
    limits: limitsSchema.parse(row.limits),
    signingKeys: [...row.signingKeys],
    revocations: revocationsSchema.parse(row.revocations),
    jwt: row.jwt,
    revision: row.revision,
  };
}
