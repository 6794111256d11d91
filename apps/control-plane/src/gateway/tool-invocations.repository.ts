import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient, ToolCallOutcome } from '@switchyard/db';
import { PRISMA } from '../database/database.module.js';
import { GroupCommit } from './group-commit.js';

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
  /** The call's trace (CallTelemetry), when it has a span. */
  traceId?: string | null;
  /** The router's assignment of the session: rollout, arm (version) and its propensity. */
  rolloutId?: string | null;
  arm?: string | null;
  propensity?: number | null;
}

interface ToolCallEnd {
  callId: string;
  outcome: ToolCallOutcome;
  errorCode: string | null;
  finishedAt: Date;
  latencyMs: number;
}

/**
 * The audit log of tool calls (ToolInvocation, primary key = call id). The gateway's only audit I/O.
 * Starts and ends are group-committed (group-commit.ts): one INSERT / one UPDATE for every call
 * that arrived while the previous one was in flight, so concurrency costs no extra round trips.
 */
@Injectable()
export class ToolInvocationsRepository {
  private readonly starts: GroupCommit<ToolCallStart>;
  private readonly ends: GroupCommit<ToolCallEnd>;

  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {
    // ON CONFLICT DO NOTHING: the same call id again (a retry of the dispatch) keeps the first row.
    this.starts = new GroupCommit((calls) => this.startAll(calls));
    this.ends = new GroupCommit((ends) => this.completeAll(ends));
  }

  /**
   * Written before the call is dispatched, outcome PENDING: a control plane that dies mid-call
   * leaves a row that says the call started and never finished. Idempotent on the call id.
   */
  started(call: ToolCallStart): Promise<void> {
    return this.starts.submit(call);
  }

  /** A call refused before dispatch (outside the key's scope): one row, already finished. */
  async denied(call: ToolCallStart, errorCode: string): Promise<void> {
    await this.prisma.toolInvocation.createMany({
      data: [{ ...call, outcome: 'DENIED', errorCode, finishedAt: call.startedAt, latencyMs: 0 }],
      skipDuplicates: true,
    });
  }

  /** Completes a PENDING row once; a second completion of the same call changes nothing. */
  finished(callId: string, outcome: ToolCallOutcome, errorCode: string | null, finishedAt: Date, latencyMs: number): Promise<void> {
    return this.ends.submit({ callId, outcome, errorCode, finishedAt, latencyMs });
  }

  /** One INSERT for a batch, in SQL: Prisma's createMany costs more CPU per call than the round trip. */
  private async startAll(calls: readonly ToolCallStart[]): Promise<void> {
    const column = <K extends keyof ToolCallStart>(key: K) => calls.map((call) => call[key]);
    await this.prisma.$executeRaw`
      INSERT INTO "ToolInvocation" ("callId", "apiKeyId", "sessionId", "traceId", "serverName", "versionId", "runnerId", "nodepoolId", "rolloutId", "arm", "propensity", "tool", "argumentsHmac", "startedAt", "outcome")
      SELECT v.call_id, v.api_key_id, v.session_id, v.trace_id, v.server_name, v.version_id, v.runner_id, v.nodepool_id, v.rollout_id, v.arm, v.propensity, v.tool, v.arguments_hmac, v.started_at AT TIME ZONE 'UTC', 'PENDING'
      FROM unnest(
        ${column('callId')}::text[], ${column('apiKeyId')}::text[], ${column('sessionId')}::text[], ${calls.map((call) => call.traceId ?? null)}::text[], ${column('serverName')}::text[],
        ${column('versionId')}::text[], ${column('runnerId')}::text[], ${column('nodepoolId')}::text[],
        ${calls.map((call) => call.rolloutId ?? null)}::text[], ${calls.map((call) => call.arm ?? null)}::text[], ${calls.map((call) => call.propensity ?? null)}::float8[], ${column('tool')}::text[],
        ${column('argumentsHmac')}::text[], ${calls.map((call) => call.startedAt.toISOString())}::timestamptz[]
      ) AS v(call_id, api_key_id, session_id, trace_id, server_name, version_id, runner_id, nodepool_id, rollout_id, arm, propensity, tool, arguments_hmac, started_at)
      ON CONFLICT ("callId") DO NOTHING`;
  }

  /**
   * One UPDATE for a batch; within a batch, as across batches, the first completion of a call wins.
   * Times travel as ISO strings and are stored as UTC, as Prisma stores DateTime.
   */
  private async completeAll(ends: readonly ToolCallEnd[]): Promise<void> {
    const first = [...new Map([...ends].reverse().map((end) => [end.callId, end])).values()];
    await this.prisma.$executeRaw`
      UPDATE "ToolInvocation" AS t
      SET "outcome" = v.outcome::"ToolCallOutcome", "errorCode" = v.error_code, "finishedAt" = v.finished_at AT TIME ZONE 'UTC', "latencyMs" = v.latency_ms
      FROM unnest(
        ${first.map((end) => end.callId)}::text[],
        ${first.map((end) => end.outcome)}::text[],
        ${first.map((end) => end.errorCode)}::text[],
        ${first.map((end) => end.finishedAt.toISOString())}::timestamptz[],
        ${first.map((end) => end.latencyMs)}::int[]
      ) AS v(call_id, outcome, error_code, finished_at, latency_ms)
      WHERE t."callId" = v.call_id AND t."outcome" = 'PENDING'`;
  }
}
