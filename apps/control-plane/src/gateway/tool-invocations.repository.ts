import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { Prisma, type PrismaClient, type ToolCallOutcome } from '@switchyard/db';
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
 * Starts and ends are group-committed (group-commit.ts): one statement for every call that arrived
 * while the previous write was in flight, so concurrency costs no extra round trips; completions
 * (nobody waits for them) share the statement of the starts written with them, so under load a
 * call costs about one statement, not two. A completion is not held back for a start to come
 * (readers of the audit log see it right after the answer, as before): it goes at the end of the
 * event loop's turn, or with the next write when one is in flight.
 */
@Injectable()
export class ToolInvocationsRepository implements BeforeApplicationShutdown {
  private readonly writes: GroupCommit<ToolCallStart, ToolCallEnd>;

  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {
    this.writes = new GroupCommit((starts, ends) => this.write(starts, ends));
  }

  /**
   * Written before the call is dispatched, outcome PENDING: a control plane that dies mid-call
   * leaves a row that says the call started and never finished. Idempotent on the call id.
   */
  /** Completions still waiting for a start to ride with are written before the database goes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.writes.flush();
  }

  started(call: ToolCallStart): Promise<void> {
    return this.writes.submit(call);
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
    return this.writes.submitLazy({ callId, outcome, errorCode, finishedAt, latencyMs });
  }

  /**
   * Starts and ends in one statement (data-modifying CTEs). Its UPDATE does not see rows its own
   * INSERT adds, so a call started and ended in the same batch (never, today: an end comes after its
   * start has committed) takes two statements.
   */
  private async write(starts: readonly ToolCallStart[], ends: readonly ToolCallEnd[]): Promise<void> {
    if (ends.length === 0) return void (await this.prisma.$executeRaw(insertRows(starts)));
    if (starts.length === 0) return void (await this.prisma.$executeRaw(completeRows(ends)));
    const startedNow = new Set(starts.map((call) => call.callId));
    if (ends.some((end) => startedNow.has(end.callId))) {
      await this.prisma.$executeRaw(insertRows(starts));
      await this.prisma.$executeRaw(completeRows(ends));
      return;
    }
    await this.prisma.$executeRaw`WITH started AS (${insertRows(starts)}), completed AS (${completeRows(ends)}) SELECT 1`;
  }
}

/** One INSERT for a batch, in SQL: Prisma's createMany costs more CPU per call than the round trip. */
function insertRows(calls: readonly ToolCallStart[]): Prisma.Sql {
  const column = <K extends keyof ToolCallStart>(key: K) => calls.map((call) => call[key]);
  // ON CONFLICT DO NOTHING: the same call id again (a retry of the dispatch) keeps the first row.
  return Prisma.sql`
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
function completeRows(ends: readonly ToolCallEnd[]): Prisma.Sql {
  const first = [...new Map([...ends].reverse().map((end) => [end.callId, end])).values()];
  return Prisma.sql`
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
