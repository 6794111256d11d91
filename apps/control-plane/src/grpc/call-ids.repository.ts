import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@switchyard/db';
import { PRISMA } from '../database/database.module.js';

/** Whether a caller-chosen call id was used before: the ToolGateway's idempotency check. */
@Injectable()
export class CallIdsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async used(callId: string): Promise<boolean> {
    return (await this.prisma.toolInvocation.count({ where: { callId } })) > 0;
  }
}
