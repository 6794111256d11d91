import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createPrismaClient, type PrismaClient } from '@switchyard/db';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';

/** Injection token for the process-wide Prisma client (used only by *.repository.ts files). */
export const PRISMA = Symbol('PrismaClient');

@Global()
@Module({
  providers: [
    {
      provide: PRISMA,
      inject: [CONTROL_PLANE_CONFIG],
      useFactory: (config: ControlPlaneConfig) => createPrismaClient(config.databaseUrl),
    },
  ],
  exports: [PRISMA],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}
