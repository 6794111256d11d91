// The one way the app builds its Prisma client: Prisma 7 talks to Postgres only through a driver
// adapter, and adapter-pg (node-postgres) is the one pinned and tested here.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

/**
 * Interactive transactions wait up to `maxWait` for a pooled connection and may run `timeout`.
 * Prisma's defaults (2 s and 5 s) fail requests outright when a burst briefly takes every
 * connection of the pool — on a busy host that is a spurious error, not protection. A transaction
 * here is a handful of short statements; waiting a little longer is the better failure mode.
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }), transactionOptions: TRANSACTION_OPTIONS });
}
