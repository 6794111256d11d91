import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { PrismaClient, ToolCallOutcome } from '@switchyard/db';
import type { Pool } from 'pg';
import { PG_POOL, PRISMA } from '../database/database.module.js';
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
 * event loop's turn, or with the next write when one is in flight. These statements are plain SQL
 * on Prisma's own pool (PG_POOL), prepared once per connection: through Prisma's query layer they
 * cost the gateway about as much CPU as the rest of a call's audit and routing together.
 */
@Injectable()
export class ToolInvocationsRepository implements BeforeApplicationShutdown {
  private readonly writes: GroupCommit<ToolCallStart, ToolCallEnd>;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {
    this.writes = new GroupCommit((starts, ends) => this.write(starts, ends));
  }

  /**
   * Written before the call is dispatched, outcome PENDING: a control plane that dies mid-call
   * leaves a row that says the call started and never finished. Idempotent on the call id.
   */
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

  /** Completions still waiting for a write are written before the database goes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.writes.flush();
  }

  /**
   * Starts and ends in one statement (data-modifying CTEs). Its UPDATE does not see rows its own
   * INSERT adds, so a call started and ended in the same batch (never, today: an end comes after its
   * start has committed) takes two statements.
   */
  private async write(starts: readonly ToolCallStart[], ends: readonly ToolCallEnd[]): Promise<void> {
    const startedNow = new Set(starts.map((call) => call.callId));
    if (starts.length > 0 && ends.length > 0 && !ends.some((end) => startedNow.has(end.callId))) {
      await this.pool.query({ name: 'sy-audit-start-complete', text: START_AND_COMPLETE_SQL, values: [...startValues(starts), ...completeValues(ends)] });
      return;
    }
    if (starts.length > 0) await this.pool.query({ name: 'sy-audit-start', text: START_SQL, values: startValues(starts) });
    if (ends.length > 0) await this.pool.query({ name: 'sy-audit-complete', text: completeSql(1), values: completeValues(ends) });
  }
}

/**
 * One INSERT for a batch: the rows travel as one array per column. ON CONFLICT DO NOTHING: the
 * same call id again (a retry of the dispatch) keeps the first row. Times travel as ISO strings
 * and are stored as UTC, as Prisma stores DateTime.
 */
const START_SQL = `
  INSERT INTO "ToolInvocation" ("callId", "apiKeyId", "sessionId", "traceId", "serverName", "versionId", "runnerId", "nodepoolId", "rolloutId", "arm", "propensity", "tool", "argumentsHmac", "startedAt", "outcome")
  SELECT v.call_id, v.api_key_id, v.session_id, v.trace_id, v.server_name, v.version_id, v.runner_id, v.nodepool_id, v.rollout_id, v.arm, v.propensity, v.tool, v.arguments_hmac, v.started_at AT TIME ZONE 'UTC', 'PENDING'
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::float8[], $12::text[], $13::text[], $14::timestamptz[])
    AS v(call_id, api_key_id, session_id, trace_id, server_name, version_id, runner_id, nodepool_id, rollout_id, arm, propensity, tool, arguments_hmac, started_at)
  ON CONFLICT ("callId") DO NOTHING`;
const START_PARAMETERS = 14;

function startValues(calls: readonly ToolCallStart[]): unknown[][] {
  return [
    calls.map((call) => call.callId),
    calls.map((call) => call.apiKeyId),
    calls.map((call) => call.sessionId),
    calls.map((call) => call.traceId ?? null),
    calls.map((call) => call.serverName),
    calls.map((call) => call.versionId),
    calls.map((call) => call.runnerId),
    calls.map((call) => call.nodepoolId),
    calls.map((call) => call.rolloutId ?? null),
    calls.map((call) => call.arm ?? null),
    calls.map((call) => call.propensity ?? null),
    calls.map((call) => call.tool),
    calls.map((call) => call.argumentsHmac),
    calls.map((call) => call.startedAt.toISOString()),
  ];
}

/** One UPDATE for a batch, its parameters numbered from `first`; only PENDING rows change. */
function completeSql(first: number): string {
  const [ids, outcomes, codes, finished, latencies] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
  return `
  UPDATE "ToolInvocation" AS t
  SET "outcome" = v.outcome::"ToolCallOutcome", "errorCode" = v.error_code, "finishedAt" = v.finished_at AT TIME ZONE 'UTC', "latencyMs" = v.latency_ms
  FROM unnest(${ids}::text[], ${outcomes}::text[], ${codes}::text[], ${finished}::timestamptz[], ${latencies}::int[]) AS v(call_id, outcome, error_code, finished_at, latency_ms)
  WHERE t."callId" = v.call_id AND t."outcome" = 'PENDING'`;
}

const START_AND_COMPLETE_SQL = `WITH started AS (${START_SQL}), completed AS (${completeSql(START_PARAMETERS + 1)}) SELECT 1`;

/** Within a batch, as across batches, the first completion of a call wins. */
function completeValues(ends: readonly ToolCallEnd[]): unknown[][] {
  const first = [...new Map([...ends].reverse().map((end) => [end.callId, end])).values()];
  return [first.map((end) => end.callId), first.map((end) => end.outcome), first.map((end) => end.errorCode), first.map((end) => end.finishedAt.toISOString()), first.map((end) => end.latencyMs)];
}
