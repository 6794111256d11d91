import { DomainError, ErrorCode, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest } from '@switchyard/protocol';
import type { Logger } from 'pino';
import type { Principal } from '../../auth/principal.js';
import type { CallOutcome } from '../call-outcome.js';
import { ClientStream, type RequestSink } from '../client-stream.js';
import { SessionStreams } from '../session-streams.js';
import type { EventLog } from '../event-log.js';
import type { GatewaySession } from '../gateway-session.js';
import { domainErrorResponse, errorResponse, JsonRpcCode } from '../json-rpc-errors.js';
import type { GatewayPolicies } from '../gateway-policies.js';
import { mayUseGateway, mayUseServer } from '../mcp-scope.js';
import type { AggregateRecord } from './aggregate-record.js';
import type { AggregateStore } from './aggregate-store.js';
import { AggregateLists } from './aggregate-lists.js';
import { AggregateUpstreams, type OpenedUpstream, type Upstream } from './aggregate-upstreams.js';
import type { ShortNames } from './gateway-names.js';
import { requestTarget, ROUTED_METHODS, type AnswerKind } from './request-target.js';
import { fromClientRequestId, type RequestId } from './server-request-ids.js';
import { LIST_KINDS, scopeInForce, SessionView, type ListKind } from './session-view.js';
import { deliveryOf, type RoutedRequest } from './upstream-delivery.js';
import { rewriteAnswer, rewriteClientAnswer } from './upstream-rewrite.js';

type Json = Record<string, unknown>;
type ClientAnswer = Exclude<JsonRpcMessage, JsonRpcRequest | JsonRpcNotification>;


export interface AggregateSessionDeps {
  eventLog: EventLog;
  store: AggregateStore;
  /** Rate limit, tool scope, argument checks, audit rows and spans: the same as on /mcp/<server>. */
  policies: GatewayPolicies;
  logger: Logger;
  idleMs: number;
  /** SWITCHYARD_MCP_KEY_CACHE_SECONDS in ms: how old the principal of a request may be. */
  keyCacheMs: number;
  /** Servers that could be opened now, by name (the key's scope is applied by the session). */
  servedServers(): Promise<string[]>;
  /**
   * Opens a session of `server` with the client's initialize, for `owner`: what the upstream sends
   * besides answers goes to `owner.fromUpstream`, its end to `owner.upstreamEnded`. Throws a DomainError.
   */
  openUpstream(server: string, principal: Principal, initialize: JsonRpcRequest, owner: AggregateSession): Promise<OpenedUpstream>;
  /** Whether a version was rolled back (RetiredVersions): an upstream session pinned to it is replaced. */
  isRetired(versionId: string): Promise<boolean>;
  /** An upstream session's record lives on while the aggregated session does. */
  touchUpstream(upstreamSessionId: string): void;
  /** The session ended: the owner forgets it. */
  ended(session: AggregateSession): void;
}

/** A client request routed to one upstream and not answered yet. */
interface Routed extends RoutedRequest {
  clientId: RequestId;
  sink: RequestSink;
}

const keyOf = (id: RequestId) => (typeof id === 'number' ? `n:${id}` : `s:${id}`);
const asDomainError = (error: unknown): DomainError => (error instanceof DomainError ? error : new DomainError(ErrorCode.UPSTREAM_FAILED, (error as Error).message));

/**
 * One `/mcp` client session on the replica that holds it: one MCP server made of every server the
 * key may use (docs/gateway.md, "Aggregated endpoint /mcp"). The gateway answers initialize, ping,
 * logging/setLevel and the lists itself; everything else goes to one upstream session per server
 * (a GatewaySession, opened on first use with the client's own initialize), with names, resource
 * URIs, request ids and progress tokens rewritten both ways.
 */
export class AggregateSession {
  readonly standalone: ClientStream;
  private readonly streams: SessionStreams;
  private readonly upstreams: AggregateUpstreams;
  private readonly lists: AggregateLists;
  private readonly routed = new Map<string, Routed>();
  private state: 'open' | 'ended' = 'open';
  private lastActivity = Date.now();
  private readonly idleTimer: NodeJS.Timeout;
  /** What the client believes it sees: the servers and tools of its last lists, under the key as it was then. */
  private readonly view = new SessionView();
  /** The key as the last sweep read it from the database (`scopeNow`). */
  private swept: { principal: Principal; at: number } | undefined;

  constructor(
    readonly record: AggregateRecord,
    /** The client's initialize params, sent to each upstream as it opens. */
    clientInitialize: Json,
    private readonly names: ShortNames,
    private readonly deps: AggregateSessionDeps,
  ) {
    this.streams = new SessionStreams((streamId, seq, message) => this.deps.eventLog.append(this.sessionId, streamId, seq, message));
    this.standalone = this.streams.standalone;
    this.upstreams = new AggregateUpstreams(clientInitialize, {
      open: (server, principal, initialize) => deps.openUpstream(server, principal, initialize, this),
      isRetired: (versionId) => deps.isRetired(versionId),
      touch: (upstreamSessionId) => deps.touchUpstream(upstreamSessionId),
      opened: (server, upstreamSessionId) => {
        this.record.upstreams[server] = upstreamSessionId;
        deps.store.save(this.record).catch((error: Error) => deps.logger.warn({ sessionId: this.sessionId, err: error.message }, 'could not update an aggregated session record'));
      },
    });
    this.lists = new AggregateLists(this.upstreams, names, this.view, {
      sessionId: record.sessionId,
      logger: deps.logger,
      servedServers: () => deps.servedServers(),
      issued: (short, qualified) => deps.store.shortNameIssued(record.sessionId, short, qualified),
    });
    // Checked at half the idle time: upstream sessions idle out on their own clock, so the
    // aggregated session renews them while it is alive (a GET stream open, requests in flight).
    this.idleTimer = setInterval(() => this.idleCheck(), Math.max(1_000, deps.idleMs / 2));
    this.idleTimer.unref();
  }

  get sessionId(): string {
    return this.record.sessionId;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  newRequestStream(sse = true, adaptive = false): ClientStream {
    return this.streams.newRequestStream(sse, adaptive);
  }

  stream(streamId: string): ClientStream | undefined {
    return this.streams.get(streamId);
  }

  touch(): void {
    this.lastActivity = Date.now();
    this.touchUpstreams();
  }

  /**
   * The answer of a request the gateway answers itself (ping, logging/setLevel, the lists, an
   * unknown method), or undefined when one upstream answers it (`route`).
   */
  async answerItself(requestPrincipal: Principal, message: JsonRpcRequest): Promise<JsonRpcMessage | undefined> {
    const principal = this.scopeOf(requestPrincipal);
    const params = (message.params ?? {}) as Json;
    switch (message.method) {
      case 'ping':
        return { jsonrpc: '2.0', id: message.id, result: {} };
      case 'initialize':
        return errorResponse(message.id, JsonRpcCode.INVALID_REQUEST, 'Invalid Request: the session is initialized already');
      case 'logging/setLevel':
        if (typeof params.level !== 'string') return errorResponse(message.id, JsonRpcCode.INVALID_PARAMS, 'logging/setLevel needs params.level');
        await this.upstreams.setLevel(params.level);
        return { jsonrpc: '2.0', id: message.id, result: {} };
      case 'tools/list':
      case 'prompts/list':
      case 'resources/list':
      case 'resources/templates/list':
      case 'tasks/list':
        return this.lists.list(principal, message, params);
      default:
        if (ROUTED_METHODS.has(message.method)) return undefined;
        return errorResponse(message.id, JsonRpcCode.METHOD_NOT_FOUND, `Method not found: ${message.method} is not offered by the aggregated endpoint /mcp`);
    }
  }

  /**
   * Sends a request to the upstream its name or URI points at; the answer, rewritten, goes to
   * `sink`. Returns an error answer instead when the request cannot go (unknown name, outside the
   * key's scope or arguments that do not fit the tool's schema — a tool call then leaves a DENIED
   * audit row —, no upstream); throws the 429 refusal of the key's rate limit.
   */
  async route(requestPrincipal: Principal, message: JsonRpcRequest, sink: RequestSink, traceparentHeader?: string): Promise<JsonRpcMessage | undefined> {
    const principal = this.scopeOf(requestPrincipal);
    const params = (message.params ?? {}) as Json;
    if (message.method === 'tools/call' && typeof params.name === 'string' && this.names.unknownShortForm(params.name)) await this.lists.relearnNames(principal, params.name);
    const target = requestTarget(message.method, params, (name) => this.names.resolve(name));
    if (!target.ok) return errorResponse(message.id, JsonRpcCode.INVALID_PARAMS, target.message);
    const { server } = target;
    // The request as the server sees it (real names and URIs), still with the client's id: what the
    // gateway's policies, audit row and span look at, as on /mcp/<server>.
    const request = { principal, serverName: server, message: { ...message, params: target.params } as JsonRpcRequest, sessionId: this.sessionId, ...(traceparentHeader === undefined ? {} : { traceparentHeader }) };
    if (!mayUseServer(principal, server)) {
      const error = DomainError.forbidden(`This API key may not use MCP server ${server}`);
      await this.deps.policies.deniedServer(request, error);
      return domainErrorResponse(error, message.id).body;
    }
    await this.deps.policies.assertWithinRateLimit(request); // throws the 429 refusal
    const key = keyOf(message.id);
    if (this.routed.has(key)) return errorResponse(message.id, JsonRpcCode.INVALID_REQUEST, `request id ${String(message.id)} is already in flight in this session`);
    let upstream: Upstream;
    try {
      upstream = await this.upstreams.upstream(server, principal);
    } catch (error) {
      return domainErrorResponse(asDomainError(error), message.id).body;
    }
    // The audit row and span name the session the client knows, and where the call really runs.
    const admitted = await this.deps.policies.admit(upstream.session, { ...request, record: { ...upstream.session.record, sessionId: this.sessionId } });
    if ('refusal' in admitted) return admitted.refusal;
    const { audit, span } = admitted.call;
    const upstreamId = upstream.nextId++;
    const meta = params._meta as Json | undefined;
    const progressToken = meta?.progressToken as RequestId | undefined;
    const entry: Routed = { clientId: message.id, server, upstreamId, sink, sse: sink.sse, ...(progressToken === undefined ? {} : { progressToken }) };
    this.routed.set(key, entry);
    const answer = target.answer;
    const adapter: RequestSink = {
      streamId: `${sink.streamId}-upstream`,
      sse: sink.sse,
      push: (upstreamAnswer) => {
        if (!('method' in upstreamAnswer)) sink.push(this.clientAnswer(upstreamAnswer as ClientAnswer, message.id, answer, server));
      },
      finish: () => {
        if (this.routed.get(key) === entry) this.routed.delete(key);
        sink.finish();
      },
    };
    const upstreamParams = progressToken === undefined ? target.params : { ...target.params, _meta: { ...meta, progressToken: upstreamId } };
    try {
      await upstream.session.request({ jsonrpc: '2.0', id: upstreamId, method: message.method, params: upstreamParams } as JsonRpcRequest, adapter, audit, span);
    } catch (error) {
      if (this.routed.get(key) === entry) this.routed.delete(key);
      const failure = asDomainError(error);
      span.end('INTERRUPTED', { errorCode: failure.code });
      return domainErrorResponse(failure, message.id).body;
    }
    return undefined;
  }

  /** A client notification, or the client's answer to a server → client request (its id names the upstream). */
  async forward(message: JsonRpcNotification | ClientAnswer): Promise<void> {
    this.assertOpen();
    if (!('method' in message)) {
      const target = message.id === undefined ? undefined : fromClientRequestId(message.id);
      const upstream = target === undefined ? undefined : this.upstreams.get(target.server);
      if (target === undefined || upstream === undefined) return this.deps.logger.debug({ sessionId: this.sessionId, id: message.id }, 'an answer to no server request of this session: dropped');
      // A related task's id and a sampling result's resource URIs go back to the server's own.
      const answer = 'result' in message ? { ...message, result: rewriteClientAnswer(target.server, message.result as Json) } : message;
      return upstream.session.forward({ ...answer, id: target.id } as ClientAnswer);
    }
    const params = (message.params ?? {}) as Json;
    switch (message.method) {
      case 'notifications/cancelled': {
        const requestId = params.requestId;
        const entry = typeof requestId === 'string' || typeof requestId === 'number' ? this.routed.get(keyOf(requestId)) : undefined;
        const upstream = entry === undefined ? undefined : this.upstreams.get(entry.server);
        if (entry === undefined || upstream === undefined) return;
        return upstream.session.forward({ ...message, params: { ...params, requestId: entry.upstreamId } } as JsonRpcNotification);
      }
      case 'notifications/progress': {
        // Progress on a server → client request (a long sampling): its token names the server.
        const target = typeof params.progressToken === 'string' ? fromClientRequestId(params.progressToken) : undefined;
        const upstream = target === undefined ? undefined : this.upstreams.get(target.server);
        if (target === undefined || upstream === undefined) return;
        return upstream.session.forward({ ...message, params: { ...params, progressToken: target.id } } as JsonRpcNotification);
      }
      case 'notifications/roots/list_changed':
        return this.upstreams.notifyAll(message);
      default:
        // notifications/initialized: each upstream got its own when it opened.
        return;
    }
  }

  /**
   * What the last sweep read (docs/gateway.md, "Keys and servers changing under a session"): the
   * servers that could be opened now (all of them, before the key's scope) and the session's key
   * as it is in the database — undefined when it was revoked, expired or deleted. When what the client sees under
   * them differs from what it last listed — a server registered, placed or gone, the key narrowed or
   * widened — the client is told which lists changed. A key that no longer works (or lost
   * `mcp:call`) ends the session.
   */
  async scopeNow(served: readonly string[], principal: Principal | undefined, now: number): Promise<void> {
    if (this.state !== 'open') return;
    if (principal === undefined || !mayUseGateway(principal)) {
      this.deps.logger.info({ sessionId: this.sessionId, apiKeyId: this.record.apiKeyId }, 'the API key of an aggregated session was revoked, expired, deleted or lost mcp:call: the session ends');
      return this.close('its API key was revoked', { outcome: 'CANCELLED', errorCode: 'KEY_REVOKED' });
    }
    this.swept = { principal, at: now };
    const kinds = this.view.changed(served, principal);
    if (kinds.length === 0) return;
    this.deps.logger.info({ sessionId: this.sessionId, lists: kinds }, 'what an aggregated session sees changed');
    this.listsChanged(kinds);
  }

  /** The key's scope the session acts on for a request: the sweep's when a cached key check could be older. */
  private scopeOf(requestPrincipal: Principal): Principal {
    return scopeInForce(requestPrincipal, this.swept, Date.now(), this.deps.keyCacheMs);
  }

  /** An upstream session ended by itself (its runner was lost, it idled out): what the client sees changed. */
  upstreamEnded(session: GatewaySession): void {
    const upstream = this.upstreams.forgetSession(session);
    if (upstream === undefined) return;
    delete this.record.upstreams[upstream.server];
    if (this.state !== 'open') return;
    this.deps.logger.info({ sessionId: this.sessionId, server: upstream.server }, 'an upstream of an aggregated session ended');
    this.listsChanged(LIST_KINDS.filter((kind) => upstream.capabilities[kind] !== undefined));
  }

  private listsChanged(kinds: readonly ListKind[]): void {
    for (const kind of kinds) this.standalone.push({ jsonrpc: '2.0', method: `notifications/${kind}/list_changed` } as JsonRpcMessage);
  }

  /** Ends the session and every upstream session; calls in flight count as `inFlight` says. */
  async close(reason: string, inFlight?: CallOutcome): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'ended';
    clearInterval(this.idleTimer);
    await this.upstreams.close(reason, inFlight);
    for (const entry of this.routed.values()) entry.sink.finish();
    this.routed.clear();
    const streamIds = this.streams.finishAll();
    void Promise.all([this.deps.store.remove(this.sessionId), this.deps.eventLog.drop(this.sessionId, streamIds)]).catch((error: Error) =>
      this.deps.logger.warn({ sessionId: this.sessionId, err: error.message }, 'could not remove an ended aggregated session from Redis'),
    );
    this.deps.ended(this);
  }

  private clientAnswer(answer: ClientAnswer, clientId: RequestId, kind: AnswerKind, server: string): JsonRpcMessage {
    if (!('result' in answer)) return { ...answer, id: clientId } as JsonRpcMessage;
    return { jsonrpc: '2.0', id: clientId, result: rewriteAnswer(kind, server, answer.result as Json) } as JsonRpcMessage;
  }

  /** What an upstream sends besides answers (the UpstreamTap hands it over), rewritten for the client. */
  fromUpstream(server: string, message: JsonRpcMessage): void {
    if (this.state !== 'open') return;
    const delivery = deliveryOf(server, message, this.routed.values());
    if (delivery.to === 'drop') return this.deps.logger.debug({ sessionId: this.sessionId, server, reason: delivery.reason }, 'upstream message dropped');
    (delivery.to === 'request' ? delivery.request.sink : this.standalone).push(delivery.message);
  }

  private touchUpstreams(): void {
    this.deps.store.touch(this.sessionId);
    this.upstreams.touch();
  }

  private idleCheck(): void {
    if (this.state !== 'open') return;
    if (this.routed.size > 0 || this.standalone.connected) return this.touchUpstreams();
    if (Date.now() - this.lastActivity < this.deps.idleMs) return;
    this.deps.logger.info({ sessionId: this.sessionId }, 'aggregated session idle: closed');
    void this.close('the session was idle');
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new DomainError(ErrorCode.NOT_FOUND, `session ${this.sessionId} has ended`, { entity: 'MCP session' });
  }
}
