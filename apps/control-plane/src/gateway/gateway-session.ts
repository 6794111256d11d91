import { randomBytes, randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest } from '@switchyard/protocol';
import type { ToolCallOutcome } from '@switchyard/db';
import type { Logger } from 'pino';
import type { RelayEvent, RelaySession, SessionTarget } from '../relay/relay-session.js';
import type { MirroredCall } from '../shadow/shadow-mirror.js';
import type { CallSpan } from '../telemetry/call-telemetry.service.js';
import type { CallFailover } from './call-failover.js';
import { outcomeOfAnswer, outcomeOfFailure, type CallOutcome } from './call-outcome.js';
import { ClientStream, JsonAnswer, type RequestSink } from './client-stream.js';
import { SessionStreams } from './session-streams.js';
import type { EventLog } from './event-log.js';
import { destinationOf, type InFlight, type RequestId } from './event-routing.js';
import { domainErrorResponse, errorResponse, JsonRpcCode } from './json-rpc-errors.js';
import type { SessionRecord } from './session-record.js';
import type { SessionStore } from './session-store.js';
import { toolsOfListResult, type ToolDefinition } from './tool-definitions.js';
import type { ToolCallStart, ToolInvocationsRepository } from './tool-invocations.repository.js';
import type { Upstream } from './upstream-chooser.js';


/** What the policy router learns from the session's traffic (src/routing). */
export interface RoutingFeedback {
  /** A request went upstream to the runner / its answer or failure came back: least-outstanding choice. */
  started(runnerId: string): void;
  finished(runnerId: string): void;
  /** A tools/call's audited outcome: runner health and the arm's reward, shared through Redis. */
  recordInvocation(call: { serverName: string; versionId: string; runnerId: string; outcome: ToolCallOutcome; errorCode: string | null; latencyMs: number; costPerCall?: number }): Promise<unknown>;
}

export interface GatewaySessionDeps {
  /** Absent in tests that run without the router. */
  routing?: RoutingFeedback;
  /** Retries of idempotent tools/calls on another runner when the upstream is lost; absent: none. */
  failover?: CallFailover;
  eventLog: EventLog;
  sessions: SessionStore;
  audit: ToolInvocationsRepository;
  logger: Logger;
  /** Milliseconds, for audit latencies. */
  now: () => number;
  /** How long the session may sit without requests, calls or a connected stream before it is closed. */
  idleMs: number;
  /** The session ended (closed, failed or idle): the owner forgets it. */
  ended: (session: GatewaySession) => void;
  /** Told what the upstream says of its tools: a full `tools/list` answer, or `list_changed`. */
  tools?: {
    listed(versionId: string, tools: ToolDefinition[]): void;
    changed(versionId: string): void;
  };
  /** Shadow traffic (src/shadow): told of each tools/call answered OK, after the client has the answer. */
  mirror?: (call: MirroredCall) => void;
  /**
   * Per-call routing (a record with unit `call`): the router's fresh choice for one tools/call, and
   * a relay session to open where it points. Absent: every call stays on the session's upstream.
   */
  perCall?: {
    candidates(serverName: string): Promise<Upstream[]>;
    openRelay(runnerId: string, target: SessionTarget): RelaySession;
  };
}

/** An extra relay session of a per-call-routed session, on another (runner, version) than its own. */
interface Carrier {
  relay: RelaySession;
  runnerId: string;
  versionId: string;
  costPerCall?: number;
}

/** How long the gateway waits for a `tools/list` of its own (ToolCatalog) before it lets a call go unchecked. */
const TOOLS_FETCH_TIMEOUT_MS = 10_000;
/** How long a runner taking over a session (a retry) may take to answer its `initialize`. */
const REINITIALIZE_TIMEOUT_MS = 10_000;
/** Pages of a paginated `tools/list` the gateway reads at most. */
const TOOLS_FETCH_MAX_PAGES = 20;

interface PendingRequest extends InFlight {
  sink: RequestSink;
  method: string;
  /** An audited tools/call, kept to be sent again if its upstream is lost (CallFailover decides). */
  retry?: { tool: string; message: JsonRpcRequest; attempts: number; traceparent?: string };
  /** A `tools/list` request for a page after the first (its answer is not the whole list). */
  paged: boolean;
  /** Set for tools/call: the audit row to complete. */
  auditStartedAt?: number;
  /** The request's span (CallTelemetry), ended with its outcome. */
  span?: CallSpan;
  /** Counted in the router's outstanding requests of the runner until it settles. */
  countedOutstanding?: boolean;
  /** An audited tools/call, kept for the shadow mirror until its answer comes. */
  mirrorable?: { tool: string; arguments: unknown; traceId: string | null };
  /** A per-call-routed tools/call sent on an extra relay session (absent: the session's own). */
  carrier?: Carrier;
}

type ClientAnswer = Exclude<JsonRpcMessage, JsonRpcRequest | JsonRpcNotification>;

const keyOf = (id: RequestId) => (typeof id === 'number' ? `n:${id}` : `s:${id}`);

/**
 * One client session on the replica that holds its relay session to the runner: the client's
 * requests in flight, its streams, and the pump that routes what the upstream sends to them.
 * The session's record (Redis) says where it runs; this object is how it runs here.
 */
export class GatewaySession {
  readonly standalone: ClientStream;
  private readonly streams: SessionStreams;
  private readonly pending = new Map<string, PendingRequest>();
  private state: 'open' | 'ended' = 'open';
  private idleTimer: NodeJS.Timeout | undefined;
  /** The client's `initialize` params, replayed to a runner taking the session over. */
  private initializeParams: JsonRpcRequest['params'] | undefined;
  /** Runners this session has lost, never chosen again for it. */
  private readonly lostRunnerIds = new Set<string>();
  /** Extra relay sessions of per-call routing, by runner and version, opened on first use and kept. */
  private readonly carriers = new Map<string, Promise<Carrier>>();

  constructor(
    readonly record: SessionRecord,
    private relay: RelaySession,
    private readonly deps: GatewaySessionDeps,
  ) {
    this.streams = new SessionStreams((streamId, seq, message) => this.deps.eventLog.append(this.sessionId, streamId, seq, message));
    this.standalone = this.streams.standalone;
    void this.pump();
    this.touch();
  }

  get sessionId(): string {
    return this.record.sessionId;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** A new stream for one POST's answer; `sse` false: it carries the answer only. */
  newRequestStream(sse = true, adaptive = false): ClientStream {
    return this.streams.newRequestStream(sse, adaptive);
  }

  stream(streamId: string): ClientStream | undefined {
    return this.streams.get(streamId);
  }

  /** The upstream accepted the client's `initialize`: kept so that another runner can take the session over. */
  initialized(params: JsonRpcRequest['params']): void {
    this.initializeParams = params;
  }

  /** A request of the client came in (keeps the session from idling out). */
  touch(): void {
    clearTimeout(this.idleTimer);
    if (this.state !== 'open') return;
    this.idleTimer = setTimeout(() => this.idleCheck(), this.deps.idleMs);
    this.idleTimer.unref();
  }

  /**
   * Relays a client request; its answer (and related messages) go to `sink`. For a tools/call,
   * `audit` is written before dispatch and the call id of the relay is the audit row's id. `span`
   * (the request's, CallTelemetry) sends its traceparent with the call and ends with its outcome.
   * Throws when the runner refuses or cannot be reached (nothing was dispatched then).
   */
  async request(message: JsonRpcRequest, sink: RequestSink, audit?: ToolCallStart, span?: CallSpan): Promise<void> {
    this.assertOpen();
    if (audit !== undefined && message.method === 'tools/call' && this.record.unit === 'call') {
      const routed = await this.routeCall();
      if (routed !== undefined) {
        const { upstream, carrier } = routed;
        const assignment = { versionId: upstream.versionId, runnerId: upstream.runnerId, nodepoolId: upstream.nodepoolId, arm: upstream.versionId };
        const decided = { ...(upstream.propensity === undefined ? {} : { propensity: upstream.propensity }), ...(upstream.rolloutId === undefined ? {} : { rolloutId: upstream.rolloutId }) };
        return this.dispatch(message, sink, { ...audit, ...assignment, ...decided }, span, carrier);
      }
    }
    return this.dispatch(message, sink, audit, span);
  }

  private async dispatch(message: JsonRpcRequest, sink: RequestSink, audit?: ToolCallStart, span?: CallSpan, carrier?: Carrier): Promise<void> {
    this.assertOpen();
    const key = keyOf(message.id);
    if (this.pending.has(key)) throw new DomainError(ErrorCode.BAD_USER_INPUT, `request id ${String(message.id)} is already in flight in this session`);
    const progressToken = (message.params?._meta as { progressToken?: RequestId } | undefined)?.progressToken;
    const callId = audit?.callId ?? randomUUID();
    const entry: PendingRequest = {
      id: message.id,
      callId,
      streamId: sink.streamId,
      sse: sink.sse,
      sink,
      method: message.method,
      paged: message.params?.cursor !== undefined,
      ...(progressToken === undefined ? {} : { progressToken }),
      ...(span === undefined ? {} : { span }),
      ...(carrier === undefined ? {} : { carrier }),
      ...(audit !== undefined && this.deps.mirror !== undefined && message.method === 'tools/call'
        ? { mirrorable: { tool: audit.tool, arguments: message.params?.arguments, traceId: audit.traceId ?? null } }
        : {}),
    };
    if (audit !== undefined) {
      await this.deps.audit.started(audit); // no dispatch without an audit row
      entry.auditStartedAt = this.deps.now();
      if (message.method === 'tools/call' && carrier === undefined) {
        entry.retry = { tool: audit.tool, message, attempts: 1, ...(span === undefined ? {} : { traceparent: span.traceparent }) };
        this.deps.failover?.callStarted(this.record.serverName);
      }
    }
    this.pending.set(key, entry);
    this.deps.routing?.started(carrier?.runnerId ?? this.record.runnerId);
    entry.countedOutstanding = true;
    const relay = carrier?.relay ?? this.relay;
    try {
      await relay.send(message, { callId, ...(span === undefined ? {} : { traceparent: span.traceparent }) });
    } catch (error) {
      // Lost before the runner acknowledged it: the pump's failOver treats it as any call in flight.
      if (!relay.isOpen && entry.retry !== undefined && carrier === undefined && this.deps.failover !== undefined) return;
      if (this.pending.get(key) === entry) this.pending.delete(key);
      void this.settle(entry, { outcome: 'INTERRUPTED', errorCode: (error as DomainError).code ?? ErrorCode.INTERNAL });
      throw error;
    }
  }

  /**
   * The upstream's tools, asked by the gateway itself (with request ids of its own, answered to no
   * client stream), every page of them; undefined when the upstream does not answer in time.
   */
  async listTools(): Promise<ToolDefinition[] | undefined> {
    const tools: ToolDefinition[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < TOOLS_FETCH_MAX_PAGES; page += 1) {
      const sink = new JsonAnswer(`tools-${randomBytes(6).toString('base64url')}`);
      const id = `switchyard-gateway:${sink.streamId}`;
      await this.request({ jsonrpc: '2.0', id, method: 'tools/list', ...(cursor === undefined ? {} : { params: { cursor } }) } as JsonRpcRequest, sink);
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([sink.answer, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), TOOLS_FETCH_TIMEOUT_MS)))]);
      clearTimeout(timer);
      if (answer === undefined) this.pending.delete(keyOf(id));
      const result = answer !== undefined && 'result' in answer ? answer.result : undefined;
      const listed = toolsOfListResult(result);
      if (listed === undefined) return undefined;
      tools.push(...listed);
      cursor = typeof result?.nextCursor === 'string' ? result.nextCursor : undefined;
      if (cursor === undefined) return tools;
    }
    return undefined;
  }

  /** Relays a client notification or a client's answer to a server → client request. */
  async forward(message: JsonRpcNotification | ClientAnswer): Promise<void> {
    this.assertOpen();
    // A cancellation goes to the relay session that carries the call.
    const carrier = 'method' in message && message.method === 'notifications/cancelled' ? this.clientCancelled(message.params?.requestId) : undefined;
    if (!('method' in message) && message.id !== undefined) this.deps.sessions.serverRequestAnswered(this.sessionId, message.id);
    await (carrier?.relay ?? this.relay).send(message);
  }

  /**
   * Ends the session: releases the upstream, ends every stream. Calls in flight count as cancelled
   * (the client ended the session) unless `inFlight` says otherwise; resolves once their audit rows
   * are completed.
   */
  close(reason: string, inFlight: CallOutcome = { outcome: 'CANCELLED', errorCode: 'SESSION_CLOSED' }): Promise<void> {
    if (this.state !== 'open') return Promise.resolve();
    this.relay.close(reason);
    return this.end(inFlight);
  }

  private async pump(): Promise<void> {
    try {
      for await (const event of this.relay.messages) this.route(event);
    } catch (error) {
      const failure = error instanceof DomainError ? error : new DomainError(ErrorCode.UPSTREAM_FAILED, (error as Error).message);
      this.deps.logger.warn({ sessionId: this.sessionId, runnerId: this.record.runnerId, err: failure.message }, 'gateway session lost its upstream');
      if (this.state === 'open' && (await this.failOver(failure))) return;
      for (const entry of this.pending.values()) entry.sink.push(domainErrorResponse(failure, entry.id).body);
      void this.end({ outcome: 'INTERRUPTED', errorCode: failure.code });
      return;
    }
    void this.end({ outcome: 'CANCELLED', errorCode: 'SESSION_CLOSED' });
  }

  /**
   * The upstream was lost with calls in flight (docs/router.md, "Retries"). When some of them may
   * be repeated (CallFailover: annotated readOnly/idempotent, attempts and budget left) and the
   * router finds another runner of the session's version, the session moves there: `initialize` is
   * replayed, those calls are sent again under their call ids (one audit row each, completed with
   * the final outcome), the others get the error as before. False when nothing moved: the caller
   * ends the session as it would without retries.
   */
  private async failOver(failure: DomainError): Promise<boolean> {
    const failover = this.deps.failover;
    if (failover === undefined || this.initializeParams === undefined) return false;
    const lost = [...this.pending.values()].filter((entry) => entry.carrier === undefined);
    const allowed = await Promise.all(
      lost.map((entry) => (entry.retry === undefined ? false : failover.mayRetry(this.record, entry.retry.tool, entry.retry.attempts).then((verdict) => verdict.allowed, () => false))),
    );
    const retrying = lost.filter((_, i) => allowed[i]);
    if (retrying.length === 0 || this.state !== 'open') return this.state !== 'open';
    const lostRunnerId = this.record.runnerId;
    this.lostRunnerIds.add(lostRunnerId);
    const reopened = await failover.reopen(this.record, [...this.lostRunnerIds]).catch((error: Error) => {
      this.deps.logger.warn({ sessionId: this.sessionId, err: error.message }, 'no runner to retry on');
      return undefined;
    });
    if (reopened === undefined) return this.state !== 'open';
    if (this.state !== 'open') {
      reopened.relay.close('the session ended');
      return true;
    }
    const interrupted: CallOutcome = { outcome: 'INTERRUPTED', errorCode: failure.code };
    for (const entry of lost) {
      if (retrying.includes(entry)) {
        // The lost attempt teaches the router about the lost runner, as a call that is not retried would.
        if (entry.countedOutstanding) this.deps.routing?.finished(lostRunnerId);
        entry.countedOutstanding = false;
        this.feedRouter(entry, interrupted);
        continue;
      }
      this.pending.delete(keyOf(entry.id));
      entry.sink.push(domainErrorResponse(failure, entry.id).body);
      entry.sink.finish();
      void this.settle(entry, interrupted);
    }
    const { relay, upstream } = reopened;
    this.relay = relay;
    Object.assign(this.record, { runnerId: upstream.runnerId, deploymentId: upstream.deploymentId, nodepoolId: upstream.nodepoolId }, upstream.costPerCall === undefined ? {} : { costPerCall: upstream.costPerCall });
    void this.pump();
    if (!(await this.reinitialize())) {
      const refused = new DomainError(ErrorCode.UPSTREAM_FAILED, `runner ${upstream.runnerId} did not take over the session`, { runnerId: upstream.runnerId });
      for (const entry of this.pending.values()) entry.sink.push(domainErrorResponse(refused, entry.id).body);
      await this.close('the retry could not re-open the session', { outcome: 'INTERRUPTED', errorCode: failure.code });
      return true;
    }
    this.deps.sessions.save(this.record).catch((error: Error) => this.deps.logger.warn({ sessionId: this.sessionId, err: error.message }, 'could not store the moved session record'));
    for (const entry of retrying) await this.resend(entry, failover, lostRunnerId);
    return true;
  }

  /**
   * Replays the client's `initialize` (under a request id of the gateway's) and
   * `notifications/initialized`, on the session's relay or on a carrier of per-call routing.
   */
  private async reinitialize(carrier?: Carrier): Promise<boolean> {
    const sink = new JsonAnswer(`reinit-${randomBytes(6).toString('base64url')}`);
    const id = `switchyard-gateway:${sink.streamId}`;
    try {
      await this.dispatch({ jsonrpc: '2.0', id, method: 'initialize', params: this.initializeParams } as JsonRpcRequest, sink, undefined, undefined, carrier);
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([sink.answer, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), REINITIALIZE_TIMEOUT_MS)))]);
      clearTimeout(timer);
      if (answer === undefined) this.pending.delete(keyOf(id));
      if (answer === undefined || !('result' in answer)) return false;
      await (carrier?.relay ?? this.relay).send({ jsonrpc: '2.0', method: 'notifications/initialized' } as JsonRpcNotification);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends a lost call again on the session's new runner, under its call id. */
  private async resend(entry: PendingRequest, failover: CallFailover, lostRunnerId: string): Promise<void> {
    const retry = entry.retry;
    if (retry === undefined || this.pending.get(keyOf(entry.id)) !== entry || this.state !== 'open') return; // cancelled or ended meanwhile
    retry.attempts += 1;
    failover.retried(this.record.serverName);
    this.deps.routing?.started(this.record.runnerId);
    entry.countedOutstanding = true;
    this.deps.logger.info(
      { sessionId: this.sessionId, callId: entry.callId, tool: retry.tool, lostRunnerId, runnerId: this.record.runnerId, attempt: retry.attempts },
      'tools/call retried on another runner of its version after its upstream was lost',
    );
    try {
      await this.relay.send(retry.message, { callId: entry.callId, ...(retry.traceparent === undefined ? {} : { traceparent: retry.traceparent }) });
    } catch (error) {
      if (this.pending.get(keyOf(entry.id)) !== entry) return;
      this.pending.delete(keyOf(entry.id));
      const failure = error instanceof DomainError ? error : new DomainError(ErrorCode.UPSTREAM_FAILED, (error as Error).message);
      entry.sink.push(domainErrorResponse(failure, entry.id).body);
      entry.sink.finish();
      void this.settle(entry, { outcome: 'INTERRUPTED', errorCode: failure.code });
    }
  }

  /**
   * Per-call routing: the router's choice for this call, and the carrier that takes it when that
   * is another (runner, version) than the session's. Undefined when the router says the unit is
   * the session now (a rollout changed the arms) or per-call routing cannot be done: the call
   * stays on the session's upstream, audited as the session.
   */
  private async routeCall(): Promise<{ upstream: Upstream; carrier?: Carrier } | undefined> {
    const perCall = this.deps.perCall;
    if (perCall === undefined || this.initializeParams === undefined) return undefined;
    try {
      const [upstream] = await perCall.candidates(this.record.serverName);
      if (upstream === undefined || upstream.unit !== 'call') return undefined;
      if (upstream.runnerId === this.record.runnerId && upstream.versionId === this.record.versionId) return { upstream };
      return { upstream, carrier: await this.carrierFor(upstream, perCall.openRelay) };
    } catch (error) {
      this.deps.logger.warn({ sessionId: this.sessionId, err: (error as Error).message }, 'per-call routing failed: the call stays on the session upstream');
      return undefined;
    }
  }

  private carrierFor(upstream: Upstream, openRelay: NonNullable<GatewaySessionDeps['perCall']>['openRelay']): Promise<Carrier> {
    const key = `${upstream.runnerId}/${upstream.versionId}`;
    const known = this.carriers.get(key);
    if (known !== undefined) return known;
    const opening = (async () => {
      const relay = openRelay(upstream.runnerId, { sessionId: randomUUID(), deploymentId: upstream.deploymentId, versionId: upstream.versionId });
      const carrier: Carrier = { relay, runnerId: upstream.runnerId, versionId: upstream.versionId, ...(upstream.costPerCall === undefined ? {} : { costPerCall: upstream.costPerCall }) };
      void this.pumpCarrier(carrier, key);
      if (!(await this.reinitialize(carrier))) {
        relay.close('initialize was not accepted');
        throw new DomainError(ErrorCode.UPSTREAM_FAILED, `runner ${upstream.runnerId} did not take the session's initialize for version ${upstream.versionId}`);
      }
      return carrier;
    })();
    this.carriers.set(key, opening);
    opening.catch(() => {
      if (this.carriers.get(key) === opening) this.carriers.delete(key);
    });
    return opening;
  }

  /** What a carrier sends goes where the session's own upstream's would; when it is lost, its calls fail. */
  private async pumpCarrier(carrier: Carrier, key: string): Promise<void> {
    let failure = new DomainError(ErrorCode.UPSTREAM_FAILED, `the relay session to runner ${carrier.runnerId} ended`);
    try {
      for await (const event of carrier.relay.messages) this.route(event);
    } catch (error) {
      if (error instanceof DomainError) failure = error;
      this.deps.logger.warn({ sessionId: this.sessionId, runnerId: carrier.runnerId, err: (error as Error).message }, 'per-call relay session lost its upstream');
    }
    const known = this.carriers.get(key);
    if (known !== undefined) void known.then((current) => current === carrier && this.carriers.get(key) === known && this.carriers.delete(key), () => undefined);
    for (const entry of [...this.pending.values()]) {
      if (entry.carrier !== carrier) continue;
      this.pending.delete(keyOf(entry.id));
      entry.sink.push(domainErrorResponse(failure, entry.id).body);
      entry.sink.finish();
      void this.settle(entry, { outcome: 'INTERRUPTED', errorCode: failure.code });
    }
  }

  private route(event: RelayEvent): void {
    if (event.type === 'call-failed') {
      const entry = [...this.pending.values()].find((candidate) => candidate.callId === event.callId);
      if (entry === undefined) return;
      this.pending.delete(keyOf(entry.id));
      entry.sink.push(errorResponse(entry.id, JsonRpcCode.SERVER_ERROR, event.message, { code: ErrorCode.UPSTREAM_FAILED, reason: event.code }));
      entry.sink.finish();
      void this.settle(entry, outcomeOfFailure(event.code));
      return;
    }
    const { message } = event;
    const destination = destinationOf(message, event.callId, this.pending.values());
    switch (destination.kind) {
      case 'answer': {
        const entry = destination.request as PendingRequest;
        this.pending.delete(keyOf(entry.id));
        entry.sink.push(message);
        entry.sink.finish();
        const outcome = outcomeOfAnswer(message);
        void this.settle(entry, outcome);
        if (entry.method === 'tools/list') this.toolsListed(entry, message);
        if (entry.mirrorable !== undefined && outcome.outcome === 'OK' && 'result' in message) this.mirror(entry.mirrorable, message.result, entry.carrier?.versionId);
        return;
      }
      case 'stream':
      case 'standalone': {
        if ('method' in message && message.method === 'notifications/tools/list_changed') this.deps.tools?.changed(this.record.versionId);
        const stream = destination.kind === 'stream' ? (this.streams.get(destination.streamId) ?? this.standalone) : this.standalone;
        if ('method' in message && 'id' in message) this.deps.sessions.serverRequestSent(this.sessionId, message.id, stream.streamId);
        stream.push(message);
        return;
      }
      case 'drop':
        this.deps.logger.debug({ sessionId: this.sessionId, reason: destination.reason }, 'upstream message dropped');
    }
  }

  private mirror(call: NonNullable<PendingRequest['mirrorable']>, result: unknown, versionId = this.record.versionId): void {
    const { serverName, apiKeyId } = this.record;
    this.deps.mirror?.({ serverName, versionId, apiKeyId, tool: call.tool, arguments: call.arguments, traceId: call.traceId, result });
  }

  /** Returns the carrier of the cancelled call, if it runs on one. */
  private clientCancelled(requestId: unknown): Carrier | undefined {
    if (typeof requestId !== 'string' && typeof requestId !== 'number') return undefined;
    const entry = this.pending.get(keyOf(requestId));
    if (entry === undefined) return undefined;
    // The server should not answer a cancelled request (spec, cancellation): end its stream now.
    this.pending.delete(keyOf(requestId));
    entry.sink.finish();
    void this.settle(entry, { outcome: 'CANCELLED', errorCode: 'CLIENT_CANCELLED' });
    return entry.carrier;
  }

  /** A whole tools/list (not a page after the first, nor one with more pages) tells the catalog. */
  private toolsListed(entry: PendingRequest, answer: JsonRpcMessage): void {
    if (entry.paged || !('result' in answer) || answer.result.nextCursor !== undefined) return;
    const tools = toolsOfListResult(answer.result);
    if (tools !== undefined) this.deps.tools?.listed(this.record.versionId, tools);
  }

  /** A request ended: its span ends and, for a tools/call, its audit row is completed, with the same outcome. */
  private settle(entry: PendingRequest, outcome: CallOutcome): Promise<void> {
    if (entry.countedOutstanding) {
      entry.countedOutstanding = false;
      this.deps.routing?.finished(entry.carrier?.runnerId ?? this.record.runnerId);
    }
    this.feedRouter(entry, outcome);
    entry.span?.end(outcome.outcome === 'PENDING' ? 'INTERRUPTED' : outcome.outcome, { errorCode: outcome.errorCode });
    return this.completeAudit(entry, outcome);
  }

  /** Audited calls only (not DENIED, not shadow): their outcome is what the router learns from. */
  private feedRouter(entry: PendingRequest, outcome: CallOutcome): void {
    const routing = this.deps.routing;
    if (routing === undefined || entry.auditStartedAt === undefined || outcome.outcome === 'PENDING') return;
    const { serverName } = this.record;
    const { versionId, runnerId, costPerCall } = entry.carrier ?? this.record;
    const latencyMs = Math.max(0, Math.round(this.deps.now() - entry.auditStartedAt));
    void routing
      .recordInvocation({ serverName, versionId, runnerId, outcome: outcome.outcome, errorCode: outcome.errorCode, latencyMs, ...(costPerCall === undefined ? {} : { costPerCall }) })
      .catch((error: Error) => this.deps.logger.warn({ sessionId: this.sessionId, err: error.message }, 'could not record a call outcome for the router'));
  }

  private completeAudit(entry: PendingRequest, outcome: CallOutcome): Promise<void> {
    if (entry.auditStartedAt === undefined) return Promise.resolve();
    const finishedAt = this.deps.now();
    return this.deps.audit
      .finished(entry.callId, outcome.outcome, outcome.errorCode, new Date(finishedAt), Math.max(0, Math.round(finishedAt - entry.auditStartedAt)))
      .catch((error: Error) => this.deps.logger.error({ callId: entry.callId, err: error.message }, 'could not complete a tool call audit row'));
  }

  private end(pendingOutcome: CallOutcome): Promise<void> {
    if (this.state !== 'open') return Promise.resolve();
    this.state = 'ended';
    clearTimeout(this.idleTimer);
    const audits: Promise<void>[] = [];
    for (const entry of this.pending.values()) {
      entry.sink.finish();
      audits.push(this.settle(entry, pendingOutcome));
    }
    this.pending.clear();
    const streamIds = this.streams.finishAll();
    for (const opening of this.carriers.values()) void opening.then((carrier) => carrier.relay.close('the session ended'), () => undefined);
    this.carriers.clear();
    void Promise.all([this.deps.sessions.remove(this.sessionId), this.deps.eventLog.drop(this.sessionId, streamIds)]).catch((error: Error) =>
      this.deps.logger.warn({ sessionId: this.sessionId, err: error.message }, 'could not remove an ended gateway session from Redis'),
    );
    this.deps.ended(this);
    return Promise.all(audits).then(() => undefined);
  }

  private idleCheck(): void {
    if (this.state !== 'open') return;
    if (this.pending.size > 0 || this.standalone.connected) return this.touch();
    this.deps.logger.info({ sessionId: this.sessionId }, 'gateway session idle: closed');
    void this.close('the session was idle');
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new DomainError(ErrorCode.NOT_FOUND, `session ${this.sessionId} has ended`, { entity: 'MCP session' });
  }
}
