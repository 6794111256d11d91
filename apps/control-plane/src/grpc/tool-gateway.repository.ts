import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@switchyard/db';
import { PRISMA } from '../database/database.module.js';

/** What the ToolGateway reads beyond the MCP gateway's repositories. */
@Injectable()
export class ToolGatewayRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** Whether a caller-chosen call id was used before: the idempotency check. */
  async callIdUsed(callId: string): Promise<boolean> {
    return (await this.prisma.toolInvocation.count({ where: { callId } })) > 0;
  }

  /** Operator-declared: one upstream session of this version may serve many callers. */
  async isStateless(versionId: string): Promise<boolean> {
    return (await this.prisma.mcpServerVersion.findUnique({ where: { id: versionId }, select: { stateless: true } }))?.stateless === true;
  }
}
