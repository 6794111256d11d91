import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, type JsonRpcMessage } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import { bearerToken, hashSecret } from '../auth/api-key-secret.js';
import type { Principal } from '../auth/principal.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { outcomeOfAnswer, outcomeOfFailure, type CallOutcome } from '../gateway/call-outcome.js';
import { INVALID_ARGUMENTS } from '../gateway/gateway-policies.js';
import { mayCallTool, mayUseGateway, mayUseServer } from '../gateway/mcp-scope.js';
import { KeyChangesBroadcast } from '../api-keys/key-changes-broadcast.js';
import { PrincipalCache } from '../gateway/principal-cache.js';
import { ToolCatalog } from '../gateway/tool-catalog.js';
import { toolCallStart } from '../gateway/tool-call-start.js';
import { ToolArgumentsValidator, toolsOfListResult, type ArgumentProblem } from '../gateway/tool-definitions.js';
import { ToolInvocationsRepository, type ToolCallStart } from '../gateway/tool-invocations.repository.js';
import { UPSTREAM_CHOOSER, type UpstreamChooser } from '../gateway/upstream-chooser.js';
import { UpstreamsRepository } from '../gateway/upstreams.repository.js';
import { LOGGER } from '../logging/logging.module.js';
import { RateLimiter } from '../rate-limits/rate-limiter.js';
import { RunnerRelay } from '../relay/runner-relay.js';
import { OutstandingRequests } from '../routing/outstanding-requests.js';
import { RoutingStats } from '../routing/routing-stats.js';
import type { CallEnd } from '../telemetry/call-attributes.js';
import { CallTelemetry, type CallSpan } from '../telemetry/call-telemetry.service.js';
import { ToolGatewayRepository } from './tool-gateway.repository.js';
import { eventOfAnswer, eventOfNotification, grpcToolOf, parseCallToolRequest, type CallToolEvent, type CallToolRequest, type GrpcTool } from './tool-messages.js';
import { UpstreamMcpSession, type RequestEvent } from './upstream-mcp-session.js';
import { UpstreamPool, type Lease } from './upstream-pool.js';

/** Why a call stopped before its answer: the caller cancelled, its deadline passed, or this process is stopping. */
export type StopReason = 'cancelled' | 'deadline' | 'shutdown';

/** What a call needs of its transport: somewhere to write events, and the caller's deadline and cancellation. */
export interface CallContext {
  /** The caller went away (`cancelled`), its deadline passed (`deadline`), or the server is stopping. */
  signal: AbortSignal;
  deadline?: Date;
  /** The `traceparent` metadata of the call, if any. */
  traceparent?: string;
}

const STOPPED: Record<StopReason, CallOutcome> = {
  cancelled: { outcome: 'CANCELLED', errorCode: 'CLIENT_CANCELLED' },
  deadline: { outcome: 'TIMEOUT', errorCode: 'DEADLINE_EXCEEDED' },
  shutdown: { outcome: 'INTERRUPTED', errorCode: 'CONTROL_PLANE_SHUTDOWN' },
};

/** How long shutdown waits for the audit rows of interrupted calls. */
const SHUTDOWN_AUDIT_WAIT_MS = 2_000;

/** How long a shared session of a stateless version stays open without calls. */
const POOL_IDLE_MS = 10_000;

/** A page limit for tools/list: a server that keeps returning cursors is not followed forever. */
const MAX_TOOL_PAGES = 100;

/**
 * The gRPC ToolGateway's use cases (docs/gateway.md, "gRPC ToolGateway"): list a server's tools,
 * call one with its progress and logs streamed. Same keys, scopes, rate limit and audit as the MCP
 * gateway — its own pieces (mcp-scope, PrincipalCache, RateLimiter, toolCallStart,
 * ToolInvocationsRepository, UpstreamChooser, RunnerRelay) — but the upstream MCP sessions are
 * the ToolGateway's own, as a gRPC caller has no session to keep: one per call, or one shared per
 * server for stateless versions (upstream-pool.ts).
 */
@Injectable()
export class ToolGatewayService {
  private readonly principals: PrincipalCache;
  private readonly log: Logger;
  /** Calls in flight, so shutdown can interrupt them and complete their audit rows. */
  private readonly running = new Map<AbortController, Promise<void>>();
  /** Tool definitions per version (a version is one build: its first list stands), for argument checks. */
  private readonly catalog = new ToolCatalog();
  private readonly validator = new ToolArgumentsValidator();
  /** Upstream sessions: shared per server for stateless versions, one per call otherwise. */
  private readonly pool: UpstreamPool<UpstreamMcpSession>;

  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly relay: RunnerRelay,
    @Inject(UPSTREAM_CHOOSER) private readonly chooser: UpstreamChooser,
    private readonly upstreams: UpstreamsRepository,
    private readonly audit: ToolInvocationsRepository,
    private readonly repository: ToolGatewayRepository,
    private readonly rateLimiter: RateLimiter,
    private readonly telemetry: CallTelemetry,
    private readonly routingStats: RoutingStats,
    private readonly outstanding: OutstandingRequests,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) logger: Logger,
    keyChanges: KeyChangesBroadcast,
  ) {
    this.log = logger.child({ component: 'grpc-tool-gateway' });
    this.principals = new PrincipalCache(config.mcp.keyCacheSeconds * 1000);
    keyChanges.onChange((keyId) => this.principals.forgetKey(keyId));
    this.pool = new UpstreamPool(POOL_IDLE_MS, async (serverName, deadline) => {
      const session = await UpstreamMcpSession.open(this.relay, this.chooser, serverName, deadline);
      try {
        return { session, shareable: await this.repository.isStateless(session.upstream.versionId) };
      } catch (error) {
        session.close('could not read the version');
        throw error;
      }
    });
  }

  /** The caller's key from `authorization: Bearer sy_…` metadata: UNAUTHENTICATED, or FORBIDDEN without mcp:call. */
  async admit(authorization: string | undefined): Promise<Principal> {
    const token = bearerToken(authorization);
    if (token === undefined) throw DomainError.unauthenticated();
    const keyHash = hashSecret(token);
    let principal = this.principals.get(keyHash, Date.now());
    if (principal === undefined) {
      principal = await this.apiKeys.authenticate(token);
      this.principals.set(keyHash, principal, Date.now());
    }
    if (!mayUseGateway(principal)) throw DomainError.forbidden('This API key lacks the mcp:call scope');
    return principal;
  }

  /** The server's tools (every page of tools/list); with a key narrowed to tools, only those it may call. */
  async listTools(principal: Principal, serverName: string, context: CallContext): Promise<GrpcTool[]> {
    if (serverName === '') throw DomainError.badInput([{ path: 'server', message: 'is required' }]);
    await this.rateLimiter.assertWithinLimit(principal.keyId);
    if (!mayUseServer(principal, serverName)) throw DomainError.forbidden(`This API key may not use MCP server ${serverName}`);
    if (!(await this.upstreams.serverExists(serverName))) throw DomainError.notFound('MCP server', serverName);
    const lease = await this.pool.acquire(serverName, context.deadline);
    const { session } = lease;
    try {
      const tools = await this.allTools(session, context);
      const definitions = toolsOfListResult({ tools });
      if (definitions !== undefined) this.catalog.listed(session.upstream.versionId, definitions);
      return tools.filter((tool) => typeof tool.name === 'string' && mayCallTool(principal, serverName, tool.name)).map(grpcToolOf);
    } finally {
      lease.release();
    }
  }

  /** Every page of the session's tools/list. */
  private async allTools(session: UpstreamMcpSession, context: CallContext): Promise<Array<Record<string, unknown>>> {
    const tools: Array<Record<string, unknown>> = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_TOOL_PAGES; page++) {
      const answer = await this.exchange(session, 'tools/list', cursor === undefined ? {} : { cursor }, context);
      if ('error' in answer) throw new DomainError(ErrorCode.UPSTREAM_FAILED, `tools/list failed upstream: ${answer.error.message}`);
      const result = 'result' in answer ? answer.result : {};
      if (Array.isArray(result.tools)) tools.push(...(result.tools as Array<Record<string, unknown>>));
      cursor = typeof result.nextCursor === 'string' && result.nextCursor !== '' ? result.nextCursor : undefined;
      if (cursor === undefined) break;
    }
    return tools;
  }

  /**
   * Problems of the arguments against the tool's input schema (the MCP gateway's check), or
   * undefined when they fit or cannot be checked: the version's tools not listable, a tool its list
   * does not name (the server answers an unknown tool itself), a schema that does not compile.
   */
  private async argumentProblems(session: UpstreamMcpSession, tool: string, args: unknown, context: CallContext): Promise<ArgumentProblem[] | undefined> {
    const tools = await this.catalog
      .toolsOf(session.upstream.versionId, async () => toolsOfListResult({ tools: await this.allTools(session, context) }))
      .catch((error: Error) => void this.log.warn({ sessionId: session.sessionId, err: error.message }, 'could not list the tools of a version: call not checked'));
    const definition = tools?.byName.get(tool);
    if (definition === undefined) return undefined;
    const check = this.validator.check(definition, args);
    return check.ok ? undefined : check.problems;
  }

  /**
   * One tool call, audited as on the MCP gateway: a DENIED row outside the key's scope; otherwise a
   * PENDING row before dispatch, completed with the outcome. Events go to `emit`; the answer is the
   * last one. Throws a DomainError for what ends the call with a gRPC status instead.
   */
  async callTool(principal: Principal, request: CallToolRequest, context: CallContext, emit: (event: CallToolEvent) => void): Promise<void> {
    const call = parseCallToolRequest(request);
    const callId = call.callId ?? randomUUID();
    const start = (extra: Partial<ToolCallStart> = {}): ToolCallStart => ({
      ...toolCallStart({ principal, serverName: call.server, tool: call.tool, args: call.args, hmacKey: this.config.auditHmacKey }),
      callId,
      ...extra,
    });
    // The call's span, a child of the caller's (request field, else metadata); its trace id goes on the row.
    const startSpan = () =>
      this.telemetry.startCall({ server: call.server, tool: call.tool, apiKeyId: principal.keyId, callId, incoming: { meta: call.traceparent, header: context.traceparent } });
    const deny = async (error: DomainError) => {
      const row = start();
      // No span (and no metric series) for servers that do not exist.
      const span = (await this.upstreams.serverExists(call.server)) ? startSpan() : undefined;
      await this.audit.denied({ ...row, traceId: span?.traceId ?? null }, error.code);
      span?.end('DENIED', { errorCode: error.code });
      return error;
    };
    try {
      await this.rateLimiter.assertWithinLimit(principal.keyId);
    } catch (error) {
      throw error instanceof DomainError ? await deny(error) : error;
    }
    if (!mayCallTool(principal, call.server, call.tool)) throw await deny(DomainError.forbidden(`This API key may not call tool ${call.tool} of MCP server ${call.server}`));
    if (!(await this.upstreams.serverExists(call.server))) throw DomainError.notFound('MCP server', call.server);
    if (call.callId !== undefined && (await this.repository.callIdUsed(call.callId))) {
      throw DomainError.conflict(`call id ${call.callId} was already used: the tool is not called again`, { callId: call.callId });
    }
    const stop = new AbortController();
    const onStop = () => stop.abort(context.signal.reason);
    context.signal.addEventListener('abort', onStop, { once: true });
    const span = startSpan();
    const done = this.run(call, (extra) => start({ traceId: span.traceId, ...extra }), span, context.deadline, stop.signal, emit);
    this.running.set(stop, done.catch(() => undefined));
    try {
      await done;
    } finally {
      this.running.delete(stop);
      context.signal.removeEventListener('abort', onStop);
    }
  }

  /** At shutdown, before the database goes: calls in flight are INTERRUPTED and their rows say so. */
  async interruptAll(): Promise<void> {
    for (const stop of this.running.keys()) stop.abort('shutdown' satisfies StopReason);
    const settled = Promise.all(this.running.values());
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_AUDIT_WAIT_MS).unref())]);
    this.pool.closeAll('the control plane is shutting down');
  }

  private async run(
    call: ReturnType<typeof parseCallToolRequest>,
    start: (extra?: Partial<ToolCallStart>) => ToolCallStart,
    span: CallSpan,
    deadline: Date | undefined,
    signal: AbortSignal,
    emit: (event: CallToolEvent) => void,
  ): Promise<void> {
    let lease: Lease<UpstreamMcpSession>;
    try {
      lease = await this.pool.acquire(call.server, deadline);
    } catch (error) {
      // The call was not dispatched, but it was asked for: its row says why it went nowhere.
      const failure = error instanceof DomainError ? error : new DomainError(ErrorCode.INTERNAL, 'could not open an upstream session');
      // A caller who cancelled or ran out of time meanwhile is why, not the upstream.
      const outcome = signal.aborted ? STOPPED[signal.reason as StopReason] : { outcome: 'INTERRUPTED' as const, errorCode: failure.code };
      await this.auditUndispatched(start(), outcome);
      span.end(outcome.outcome as CallEnd, { errorCode: outcome.errorCode });
      throw failure;
    }
    const { session } = lease;
    const { upstream } = session;
    span.setTarget({ versionId: upstream.versionId, runnerId: upstream.runnerId, nodepool: upstream.nodepoolId });
    const row = start({
      sessionId: session.sessionId,
      versionId: upstream.versionId,
      runnerId: upstream.runnerId,
      nodepoolId: upstream.nodepoolId,
      // The router's assignment, for the rollout analysis (as the MCP gateway records it).
      rolloutId: upstream.rolloutId ?? null,
      arm: upstream.versionId,
      propensity: upstream.propensity ?? null,
      startedAt: new Date(),
    });
    /** In the router's outstanding count of the runner (least-outstanding routing). */
    let counted = false;
    try {
      const problems = await this.argumentProblems(session, call.tool, call.args, { signal, ...(deadline === undefined ? {} : { deadline }) });
      if (problems !== undefined) {
        await this.audit.denied(row, INVALID_ARGUMENTS);
        span.end('DENIED', { errorCode: INVALID_ARGUMENTS });
        const summary = problems.map((problem) => `${problem.path} ${problem.message}`).join('; ');
        throw new DomainError(ErrorCode.BAD_USER_INPUT, `Invalid arguments for tool ${call.tool}: ${summary}`, { fields: problems.map((problem) => ({ path: `arguments_json${problem.path}`, message: problem.message })) });
      }
      await this.audit.started(row); // no dispatch without an audit row
      const dispatchedAt = performance.now();
      this.outstanding.started(upstream.runnerId);
      counted = true;
      const complete = async (outcome: CallOutcome) => {
        if (counted) this.outstanding.finished(upstream.runnerId);
        counted = false;
        const latencyMs = Math.max(0, Math.round(performance.now() - dispatchedAt));
        void this.routingStats
          .recordInvocation({ serverName: call.server, versionId: upstream.versionId, runnerId: upstream.runnerId, outcome: outcome.outcome, errorCode: outcome.errorCode, latencyMs, ...(upstream.costPerCall === undefined ? {} : { costPerCall: upstream.costPerCall }) })
          .catch((error: Error) => this.log.warn({ callId: row.callId, err: error.message }, 'could not record a call outcome for the router'));
        await this.complete(row.callId, outcome, latencyMs);
        span.end(outcome.outcome as CallEnd, { errorCode: outcome.errorCode });
      };
      let settle!: (event: RequestEvent) => void;
      const ended = new Promise<RequestEvent>((resolve) => (settle = resolve));
      const listener = (event: RequestEvent) => {
        if (event.kind !== 'notification') return settle(event);
        const grpcEvent = eventOfNotification(event.message);
        if (grpcEvent !== undefined) emit(grpcEvent);
      };
      let requestId: string;
      try {
        requestId = await session.request('tools/call', { name: call.tool, arguments: call.args }, listener, {
          callId: row.callId,
          progressToken: row.callId,
          // The gateway's span, not the caller's: the server's work belongs under it (docs/gateway.md, Trace context).
          traceparent: span.traceparent,
          ...(deadline === undefined ? {} : { deadline }),
        });
      } catch (error) {
        const failure = error instanceof DomainError ? error : new DomainError(ErrorCode.UPSTREAM_FAILED, (error as Error).message);
        await complete({ outcome: 'INTERRUPTED', errorCode: failure.code });
        throw failure;
      }
      const stopped = new Promise<StopReason>((resolve) => {
        if (signal.aborted) resolve(signal.reason as StopReason);
        signal.addEventListener('abort', () => resolve(signal.reason as StopReason), { once: true });
      });
      const first = await Promise.race([ended.then((event) => ({ event })), stopped.then((reason) => ({ reason }))]);
      if ('reason' in first) {
        await session.cancel(requestId, this.cancelReason(first.reason)).catch((error: Error) => this.log.warn({ callId: row.callId, err: error.message }, 'could not cancel a call upstream'));
        lease.release();
        await complete(STOPPED[first.reason]);
        // A cancelled caller hears nothing more; a deadline is the transport's to report.
        if (first.reason === 'shutdown') throw new DomainError(ErrorCode.UPSTREAM_FAILED, 'the control plane is shutting down', { reason: 'CONTROL_PLANE_SHUTDOWN' });
        return;
      }
      const { event } = first;
      // Released before the caller hears the end: its next call may need the same upstream (a
      // stdio server serves one session at a time).
      lease.release();
      switch (event.kind) {
        case 'answer':
          emit(eventOfAnswer(event.message, row.callId));
          await complete(outcomeOfAnswer(event.message));
          return;
        case 'failed':
          await complete(outcomeOfFailure(event.code as Parameters<typeof outcomeOfFailure>[0]));
          throw new DomainError(ErrorCode.UPSTREAM_FAILED, event.message, { reason: event.code });
        case 'lost':
          await complete({ outcome: 'INTERRUPTED', errorCode: event.error.code });
          throw event.error;
      }
    } finally {
      lease.release();
      if (counted) this.outstanding.finished(upstream.runnerId);
      span.end('INTERRUPTED', { errorCode: ErrorCode.INTERNAL }); // ignored when the call already ended it
    }
  }

  /** One request and its answer, for what is not a tool call (no audit, no progress). */
  private async exchange(session: UpstreamMcpSession, method: string, params: Record<string, unknown>, context: CallContext): Promise<JsonRpcMessage> {
    let settle!: (event: RequestEvent) => void;
    const ended = new Promise<RequestEvent>((resolve) => (settle = resolve));
    const listener = (event: RequestEvent) => {
      if (event.kind !== 'notification') settle(event);
    };
    await session.request(method, params, listener, context.deadline === undefined ? {} : { deadline: context.deadline });
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(new DomainError(ErrorCode.UPSTREAM_FAILED, `${method}: ${this.cancelReason(context.signal.reason as StopReason)}`));
      if (context.signal.aborted) fail();
      context.signal.addEventListener('abort', fail, { once: true });
    });
    aborted.catch(() => undefined);
    const event = await Promise.race([ended, aborted]);
    if (event.kind === 'answer') return event.message;
    if (event.kind === 'lost') throw event.error;
    if (event.kind === 'notification') throw new DomainError(ErrorCode.INTERNAL, `${method}: a notification ended the request`);
    throw new DomainError(ErrorCode.UPSTREAM_FAILED, `${method} failed on the runner: ${event.message}`, { reason: event.code });
  }

  private cancelReason(reason: StopReason): string {
    return reason === 'deadline' ? 'the gRPC deadline passed' : reason === 'shutdown' ? 'the control plane is shutting down' : 'the gRPC caller cancelled';
  }

  private async complete(callId: string, outcome: CallOutcome, latencyMs: number): Promise<void> {
    await this.audit
      .finished(callId, outcome.outcome, outcome.errorCode, new Date(), latencyMs)
      .catch((error: Error) => this.log.error({ callId, err: error.message }, 'could not complete a tool call audit row'));
  }

  /** A call that reached no upstream (no runner, every runner refused): a row that started and ended at once. */
  private async auditUndispatched(row: ToolCallStart, outcome: CallOutcome): Promise<void> {
    try {
      await this.audit.started(row);
      await this.audit.finished(row.callId, outcome.outcome, outcome.errorCode, row.startedAt, 0);
    } catch (error) {
      this.log.error({ callId: row.callId, err: (error as Error).message }, 'could not write the audit row of an undispatched call');
    }
  }
}
