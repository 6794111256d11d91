// The one way the app builds its Prisma client: Prisma 7 talks to Postgres only through a driver
// adapter, and adapter-pg (node-postgres) is the one pinned and tested here.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}
