import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createDatabase, type Database, type PrismaClient } from '@switchyard/db';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';

/** Injection token for the process-wide Prisma client (used only by *.repository.ts files). */
export const PRISMA = Symbol('PrismaClient');
/**
 * The node-postgres pool under PRISMA, for plain SQL where Prisma's query layer costs more CPU
 * than the statement (the gateway's audit rows, written for every tool call). Repositories only.
 */
export const PG_POOL = Symbol('PgPool');
const DATABASE = Symbol('Database');

@Global()
@Module({
  providers: [
    { provide: DATABASE, inject: [CONTROL_PLANE_CONFIG], useFactory: (config: ControlPlaneConfig) => createDatabase(config.databaseUrl) },
    { provide: PRISMA, inject: [DATABASE], useFactory: (database: Database) => database.prisma },
    { provide: PG_POOL, inject: [DATABASE], useFactory: (database: Database) => database.pool },
  ],
  exports: [PRISMA, PG_POOL],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}
