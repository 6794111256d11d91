import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient, ToolCallOutcome } from '@switchyard/db';
import { PRISMA } from '../database/database.module.js';

/** What is known of a tool call when it starts (or is refused). */
export interface ToolCallStart {
  callId: string;
  apiKeyId: string;
  sessionId: string | null;
  serverName: string;
  versionId: string | null;
  runnerId: string | null;
  nodepoolId: string | null;
  tool: string;
  argumentsHmac: string;
  startedAt: Date;
}

/** The audit log of tool calls (ToolInvocation, primary key = call id). The gateway's only audit I/O. */
@Injectable()
export class ToolInvocationsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * Written before the call is dispatched, outcome PENDING: a control plane that dies mid-call
   * leaves a row that says the call started and never finished. Idempotent: the same call id
   * again (a retry of the dispatch) keeps the first row.
   */
  async started(call: ToolCallStart): Promise<void> {
    await this.prisma.toolInvocation.createMany({ data: [{ ...call, outcome: 'PENDING' }], skipDuplicates: true });
  }

  /** A call refused before dispatch (outside the key's scope): one row, already finished. */
  async denied(call: ToolCallStart, errorCode: string): Promise<void> {
    await this.prisma.toolInvocation.createMany({
      data: [{ ...call, outcome: 'DENIED', errorCode, finishedAt: call.startedAt, latencyMs: 0 }],
      skipDuplicates: true,
    });
  }

  /** Completes a PENDING row once; a second completion of the same call changes nothing. */
  async finished(callId: string, outcome: ToolCallOutcome, errorCode: string | null, finishedAt: Date, latencyMs: number): Promise<void> {
    await this.prisma.toolInvocation.updateMany({ where: { callId, outcome: 'PENDING' }, data: { outcome, errorCode, finishedAt, latencyMs } });
  }
}
