// The one way the app builds its Prisma client: Prisma 7 talks to Postgres only through a driver
// adapter, and adapter-pg (node-postgres) is the one pinned and tested here.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';

/**
 * Interactive transactions wait up to `maxWait` for a pooled connection and may run `timeout`.
 * Prisma's defaults (2 s and 5 s) fail requests outright when a burst briefly takes every
 * connection of the pool — on a busy host that is a spurious error, not protection. A transaction
 * here is a handful of short statements; waiting a little longer is the better failure mode.
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

export function createPrismaClient(databaseUrl: string): PrismaClient {
  return createDatabase(databaseUrl).prisma;
}

/** The Prisma client and the node-postgres pool beneath it. */
export interface Database {
  prisma: PrismaClient;
  /**
   * For the few statements on a hot path that Prisma's query layer would double the CPU cost of
   * (the gateway's audit rows): plain SQL on the same connections. Ended with `prisma.$disconnect()`.
   */
  pool: pg.Pool;
}

export function createDatabase(databaseUrl: string): Database {
  const pool = new pg.Pool({ connectionString: databaseUrl });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }), transactionOptions: TRANSACTION_OPTIONS });
  return { prisma, pool };
}
