import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DomainError, ErrorCode } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import { bearerToken, hashSecret } from '../auth/api-key-secret.js';
import type { Principal } from '../auth/principal.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { LOGGER } from '../logging/logging.module.js';
import { RunnerRelay } from '../relay/runner-relay.js';
import { OutstandingRequests } from '../routing/outstanding-requests.js';
import { RoutingStats } from '../routing/routing-stats.js';
import { RetiredVersions } from '../rollouts/retired-versions.js';
import { ShadowMirror } from '../shadow/shadow-mirror.js';
import { CallFailover } from './call-failover.js';
import { JsonAnswer, type ClientStream } from './client-stream.js';
import { EventLog } from './event-log.js';
import type { GatewayReply } from './gateway-reply.js';
import { GatewaySession, type GatewaySessionDeps } from './gateway-session.js';
import { acceptsEventStream, headerValue, originAllowed, parseEventId, protocolVersionProblem } from './http-checks.js';
import type { HandoffReply, HandoffRequest } from './handoff-messages.js';
import { classify, parseBody, type IncomingMessage } from './incoming-message.js';
import { domainErrorResponse, errorResponse, JsonRpcCode } from './json-rpc-errors.js';
import { GatewayPolicies } from './gateway-policies.js';
import { mayUseGateway, mayUseServer } from './mcp-scope.js';
import { PrincipalCache } from './principal-cache.js';
import type { SessionRecord } from './session-record.js';
import { handedOver, notFound, refuse, refuseWith, Refusal } from './refusal.js';
import { SessionHandoff } from './session-handoff.js';
import { SessionOpener } from './session-opener.js';
import { SessionStore } from './session-store.js';
import { ToolInvocationsRepository } from './tool-invocations.repository.js';
import { UPSTREAM_CHOOSER, type UpstreamChooser } from './upstream-chooser.js';
import { UpstreamsRepository } from './upstreams.repository.js';

export type Headers = Record<string, string | string[] | undefined>;

/** Where a session's relay runs: in this process, or on another replica (its record says which). */
type Place = { kind: 'here'; session: GatewaySession } | { kind: 'elsewhere'; record: SessionRecord };

/** What the holder of a session answers, before it is turned into HTTP here or a handoff reply. */
type HolderReply = Extract<GatewayReply, { kind: 'json' | 'empty' }> | { kind: 'stream'; stream: ClientStream; prime: boolean };

/** How long shutdown waits for the audit rows of interrupted calls. */
const SHUTDOWN_AUDIT_WAIT_MS = 2_000;

/**
 * The MCP gateway's use cases for `/mcp/<server>` (Streamable HTTP, docs/gateway.md): POST relays
 * a client message, GET opens or resumes a server → client stream, DELETE ends the session.
 * A JSON-RPC relay, not an MCP server: messages pass through unchanged, checked with the SDK's
 * schema; sessions are records in Redis plus, on the replica that opened them, a relay session
 * to the runner.
 */
@Injectable()
export class GatewayService implements OnModuleDestroy {
  /** This process, as named in the session records it holds. */
  readonly replicaId = randomUUID();
  private readonly local = new Map<string, GatewaySession>();
  /** Ends the handoff subscription of each session held here. */
  private readonly unserve = new Map<string, () => void>();
  private readonly sessionDeps: GatewaySessionDeps;
  private readonly log: Logger;
  /** Key checks reused for SWITCHYARD_MCP_KEY_CACHE_SECONDS (a Postgres query per message otherwise). */
  private readonly principals: PrincipalCache;
  private readonly opener: SessionOpener;

  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly relay: RunnerRelay,
    @Inject(UPSTREAM_CHOOSER) private readonly chooser: UpstreamChooser,
    private readonly handoff: SessionHandoff,
    private readonly upstreams: UpstreamsRepository,
    private readonly sessions: SessionStore,
    readonly eventLog: EventLog,
    private readonly audit: ToolInvocationsRepository,
    private readonly policies: GatewayPolicies,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) logger: Logger,
    routingStats: RoutingStats,
    outstanding: OutstandingRequests,
    private readonly retired: RetiredVersions,
    shadow: ShadowMirror,
  ) {
    this.log = logger.child({ component: 'gateway' });
    this.principals = new PrincipalCache(config.mcp.keyCacheSeconds * 1000);
    this.sessionDeps = {
      routing: {
        started: (runnerId) => outstanding.started(runnerId),
        finished: (runnerId) => outstanding.finished(runnerId),
        recordInvocation: (call) => routingStats.recordInvocation(call),
      },
      failover: new CallFailover({
        chooser,
        openRelay: (runnerId, target) => relay.openSession(runnerId, target),
        annotations: (versionId, tool) => policies.toolAnnotations(versionId, tool),
      }),
      eventLog,
      sessions,
      audit,
      logger: this.log,
      now: () => performance.timeOrigin + performance.now(),
      idleMs: config.mcp.sessionIdleSeconds * 1000,
      tools: policies.toolHooks,
      mirror: (call) => shadow.offer(call),
      ended: (session) => {
        if (this.local.get(session.sessionId) !== session) return;
        this.local.delete(session.sessionId);
        this.unserve.get(session.sessionId)?.();
        this.unserve.delete(session.sessionId);
      },
    };
    this.opener = new SessionOpener({
      relay,
      chooser,
      upstreams,
      sessions,
      sessionDeps: this.sessionDeps,
      replicaId: this.replicaId,
      log: this.log,
      opened: async (session) => {
        this.local.set(session.sessionId, session);
        await this.serveHandoffs(session);
      },
    });
  }

  /** Sessions held by this replica. */
  get openSessions(): number {
    return this.local.size;
  }

  async post(serverName: string, headers: Headers, body: Buffer | undefined): Promise<GatewayReply> {
    return this.replying(async () => {
      const principal = await this.admit(headers);
      const parsed = parseBody(body);
      if (!parsed.ok) throw refuse(400, parsed.code, parsed.message);
      const { incoming } = parsed;
      const sessionId = headerValue(headers['mcp-session-id']);
      const traceparent = headerValue(headers.traceparent);
      const request = incoming.kind === 'request' ? { principal, serverName, message: incoming.message, sessionId: sessionId ?? null, ...(traceparent === undefined ? {} : { traceparentHeader: traceparent }) } : undefined;
      if (!mayUseServer(principal, serverName)) {
        const error = DomainError.forbidden(`This API key may not use MCP server ${serverName}`);
        if (request !== undefined) await this.policies.deniedServer(request, error);
        throw refuseWith(error, request?.message.id);
      }
      if (request?.message.method === 'initialize') {
        await this.policies.assertWithinRateLimit(request);
        return this.opener.open(serverName, principal, request.message);
      }
      this.checkProtocolVersion(headers);
      const sse = acceptsEventStream(headerValue(headers.accept));
      const place = await this.locate(serverName, principal, sessionId);
      if (request !== undefined) await this.policies.assertWithinRateLimit({ ...request, record: place.kind === 'here' ? place.session.record : place.record });
      if (place.kind === 'here') return this.asHttp(place.session, await this.postHere(place.session, principal, incoming, sse, traceparent));
      const reply = await this.forward(place.record, { v: 1, op: 'post', serverName, principal: handedOver(principal), sse, message: incoming.message, ...(traceparent === undefined ? {} : { traceparent }) });
      return this.followed(place.record.sessionId, reply, sse);
    });
  }

  async get(serverName: string, headers: Headers): Promise<GatewayReply> {
    return this.replying(async () => {
      const principal = await this.admit(headers);
      if (!acceptsEventStream(headerValue(headers.accept))) throw refuse(406, JsonRpcCode.SERVER_ERROR, 'Not Acceptable: GET needs Accept: text/event-stream');
      if (!mayUseServer(principal, serverName)) throw refuseWith(DomainError.forbidden(`This API key may not use MCP server ${serverName}`));
      this.checkProtocolVersion(headers);
      const lastEventId = headerValue(headers['last-event-id']);
      const resume = lastEventId === undefined ? undefined : parseEventId(lastEventId);
      if (lastEventId !== undefined && resume === undefined) throw refuse(400, JsonRpcCode.SERVER_ERROR, `Bad Request: Last-Event-ID ${lastEventId} names no stream of this session`);
      const place = await this.locate(serverName, principal, headerValue(headers['mcp-session-id']));
      if (place.kind === 'here') return this.getHere(place.session, resume);
      const reply = await this.forward(place.record, { v: 1, op: 'get', serverName, principal: handedOver(principal), ...(resume ? { resume } : {}) });
      return this.followed(place.record.sessionId, reply, true);
    });
  }

  async delete(serverName: string, headers: Headers): Promise<GatewayReply> {
    return this.replying(async () => {
      const principal = await this.admit(headers);
      this.checkProtocolVersion(headers);
      const place = await this.locate(serverName, principal, headerValue(headers['mcp-session-id']));
      if (place.kind === 'elsewhere') return this.followed(place.record.sessionId, await this.forward(place.record, { v: 1, op: 'delete', serverName, principal: handedOver(principal) }), false);
      await this.deleteHere(place.session);
      return { kind: 'empty', status: 200 };
    });
  }

  /** Origin checks happen before anything else, so they are exposed to the route on their own. */
  originRefusal(headers: Headers): GatewayReply | undefined {
    const origin = headerValue(headers.origin);
    if (originAllowed(origin, this.config.mcp.allowedOrigins)) return undefined;
    return refuse(403, JsonRpcCode.SERVER_ERROR, `Forbidden: Origin ${origin} is not allowed (SWITCHYARD_MCP_ALLOWED_ORIGINS)`).reply;
  }

  /**
   * First thing at shutdown, before the database and NATS connections go and before Apollo's drain
   * waits for open HTTP connections (our SSE streams among them): calls still in flight here are
   * INTERRUPTED, their audit rows say so, and their streams end. A process that dies without this
   * leaves them PENDING.
   */
  async onModuleDestroy(): Promise<void> {
    const closing = [...this.local.values()].map((session) => session.close('the control plane is shutting down', { outcome: 'INTERRUPTED', errorCode: 'CONTROL_PLANE_SHUTDOWN' }));
    await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_AUDIT_WAIT_MS).unref())]);
  }

  /**
   * Carries out a POST of a session held here (for this replica's client, or handed over by another
   * replica: `remote`). `traceparent`: the client's HTTP header, for the request's span.
   */
  private async postHere(session: GatewaySession, principal: Principal, incoming: IncomingMessage, sse: boolean, traceparent: string | undefined, remote = false): Promise<HolderReply> {
    if (incoming.kind !== 'request') {
      try {
        await session.forward(incoming.message);
      } catch (error) {
        if (error instanceof DomainError) return refuseWith(error).reply as HolderReply;
        throw error;
      }
      return { kind: 'empty', status: 202 };
    }
    const message = incoming.message;
    if (message.method === 'tools/call' && typeof message.params?.name !== 'string') return { kind: 'json', status: 200, body: errorResponse(message.id, JsonRpcCode.INVALID_PARAMS, 'tools/call needs params.name') };
    const { record } = session;
    const admitted = await this.policies.admit(session, { principal, serverName: record.serverName, message, record, ...(traceparent === undefined ? {} : { traceparentHeader: traceparent }) });
    if ('refusal' in admitted) return { kind: 'json', status: 200, body: admitted.refusal };
    const { audit, span } = admitted.call;
    // Another replica reads the answer from the stream's log, SSE or not.
    const sink = remote ? session.newRequestStream(sse) : sse ? session.newRequestStream() : new JsonAnswer(randomBytes(9).toString('base64url'));
    try {
      await session.request(message, sink, audit, span);
    } catch (error) {
      sink.finish();
      const failure = error instanceof DomainError ? error : new DomainError(ErrorCode.INTERNAL, 'the gateway could not relay the request');
      span.end('INTERRUPTED', { errorCode: failure.code });
      if (!(error instanceof DomainError)) this.log.error({ err: (error as Error).message, sessionId: session.sessionId }, 'relaying a request failed');
      return { kind: 'json', status: 200, body: domainErrorResponse(failure, message.id).body };
    }
    if (sink instanceof JsonAnswer) {
      const answer = await sink.answer;
      return answer === undefined ? { kind: 'empty', status: 202 } : { kind: 'json', status: 200, body: answer };
    }
    return { kind: 'stream', stream: sink, prime: this.primes(session.record) };
  }

  private getHere(session: GatewaySession, resume: { streamId: string; seq: number } | undefined): GatewayReply {
    const headers = { 'mcp-session-id': session.sessionId };
    if (resume !== undefined) {
      const stream = session.stream(resume.streamId);
      if (stream === undefined) throw refuse(400, JsonRpcCode.SERVER_ERROR, `Bad Request: Last-Event-ID ${resume.streamId}.${resume.seq} names no stream of this session`);
      return { kind: 'sse', sessionId: session.sessionId, stream, prime: false, resumeAfter: resume.seq, headers };
    }
    if (session.standalone.connected) throw refuse(409, JsonRpcCode.SERVER_ERROR, 'Conflict: this session already has a GET stream open');
    return { kind: 'sse', sessionId: session.sessionId, stream: session.standalone, prime: this.primes(session.record), headers };
  }

  private async deleteHere(session: GatewaySession): Promise<void> {
    await session.close('the client ended the session');
    await this.sessions.remove(session.sessionId);
  }

  private asHttp(session: GatewaySession, reply: HolderReply): GatewayReply {
    const headers = { 'mcp-session-id': session.sessionId };
    if (reply.kind === 'stream') return { kind: 'sse', sessionId: session.sessionId, stream: reply.stream, prime: reply.prime, headers };
    return { ...reply, headers: { ...reply.headers, ...headers } };
  }

  /** The holder's side of a handoff: the same operations as for its own clients. */
  private async host(session: GatewaySession, request: HandoffRequest): Promise<HandoffReply> {
    const principal = request.principal as Principal;
    if (!session.isOpen || session.record.serverName !== request.serverName || session.record.apiKeyId !== principal.keyId) {
      return { kind: 'json', status: 404, body: errorResponse(undefined, JsonRpcCode.SESSION_NOT_FOUND, 'Session not found') };
    }
    session.touch();
    this.sessions.touch(session.sessionId);
    try {
      switch (request.op) {
        case 'post': {
          const reply = await this.postHere(session, principal, classify(request.message), request.sse, request.traceparent, true);
          if (reply.kind !== 'stream') return reply;
          return { kind: 'stream', streamId: reply.stream.streamId, afterSeq: reply.stream.handOver(), prime: reply.prime, sse: reply.stream.sse };
        }
        case 'get': {
          const reply = this.getHere(session, request.resume);
          if (reply.kind !== 'sse') return reply as HandoffReply;
          return { kind: 'stream', streamId: reply.stream.streamId, afterSeq: reply.resumeAfter ?? reply.stream.handOver(), prime: reply.prime, sse: true };
        }
        case 'delete':
          await this.deleteHere(session);
          return { kind: 'empty', status: 200 };
      }
    } catch (error) {
      if (error instanceof Refusal && error.reply.kind !== 'sse' && error.reply.kind !== 'sse-follow') return error.reply as HandoffReply;
      throw error;
    }
  }

  /** Hands a request to the replica holding the session; a holder that is gone means the session is. */
  private async forward(record: SessionRecord, request: HandoffRequest): Promise<HandoffReply> {
    const reply = await this.handoff.forward(record.sessionId, request);
    if (reply !== undefined) return reply;
    this.log.warn({ sessionId: record.sessionId, holder: record.replicaId }, 'the replica holding a gateway session is gone: session ended');
    await this.sessions.remove(record.sessionId);
    throw refuse(404, JsonRpcCode.SESSION_NOT_FOUND, 'Session not found (the replica holding it is gone)');
  }

  /** A holder's reply as this replica's HTTP answer: streams are followed in the Redis log. */
  private async followed(sessionId: string, reply: HandoffReply, sse: boolean): Promise<GatewayReply> {
    const headers = { 'mcp-session-id': sessionId };
    if (reply.kind !== 'stream') return { ...reply, headers: { ...(reply.kind === 'json' ? reply.headers : {}), ...headers } } as GatewayReply;
    if (sse) return { kind: 'sse-follow', sessionId, streamId: reply.streamId, afterSeq: reply.afterSeq, prime: reply.prime, headers };
    const done = new AbortController();
    try {
      for await (const event of this.eventLog.follow(sessionId, reply.streamId, reply.afterSeq, done.signal)) {
        if (!('method' in event.message)) return { kind: 'json', status: 200, body: event.message, headers };
      }
    } finally {
      done.abort();
    }
    return { kind: 'empty', status: 202, headers };
  }

  /** Other replicas reach this session over NATS from now on; without NATS it is served by this replica only. */
  private async serveHandoffs(session: GatewaySession): Promise<void> {
    try {
      const unserve = await this.handoff.serve(session.sessionId, (request) => this.host(session, request));
      if (session.isOpen) this.unserve.set(session.sessionId, unserve);
      else unserve();
    } catch (error) {
      this.log.warn({ sessionId: session.sessionId, err: (error as Error).message }, 'session not reachable from other replicas (no NATS)');
    }
  }

  /** 2025-11-25 clients resume a stream from a priming event; older ones do not expect it. */
  private primes(record: SessionRecord): boolean {
    return record.protocolVersion >= '2025-11-25';
  }

  /** The key (401 unknown, 403 without mcp:call). Origin was checked by the route. */
  private async admit(headers: Headers): Promise<Principal> {
    const token = bearerToken(headers.authorization);
    if (token === undefined) throw refuseWith(DomainError.unauthenticated());
    const keyHash = hashSecret(token);
    let principal = this.principals.get(keyHash, Date.now());
    if (principal === undefined) {
      principal = await this.apiKeys.authenticate(token).catch((error: unknown) => {
        throw error instanceof DomainError ? refuseWith(error) : error;
      });
      this.principals.set(keyHash, principal, Date.now());
    }
    if (!mayUseGateway(principal)) throw refuseWith(DomainError.forbidden('This API key lacks the mcp:call scope'));
    return principal;
  }

  private checkProtocolVersion(headers: Headers): void {
    const problem = protocolVersionProblem(headerValue(headers['mcp-protocol-version']));
    if (problem !== undefined) throw refuse(400, JsonRpcCode.SERVER_ERROR, problem);
  }

  /**
   * Where the session of a request runs. A session is bound to the key that opened it and to its
   * server: anything else is "not found", as is a session whose record is gone.
   */
  private async locate(serverName: string, principal: Principal, sessionId: string | undefined): Promise<Place> {
    if (sessionId === undefined) throw refuse(400, JsonRpcCode.SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required');
    const session = this.local.get(sessionId);
    if (session !== undefined) {
      if (!session.isOpen || session.record.serverName !== serverName || session.record.apiKeyId !== principal.keyId) throw notFound();
      if (await this.retired.isRetired(session.record.versionId)) {
        // Rolled back: the client opens a new session, which the router places on the champion.
        void session.close('its version was rolled back');
        throw notFound();
      }
      session.touch();
      this.sessions.touch(sessionId);
      return { kind: 'here', session };
    }
    const record = await this.sessions.find(sessionId);
    if (record === undefined || record.replicaId === this.replicaId || record.serverName !== serverName || record.apiKeyId !== principal.keyId) throw notFound();
    // The holder closes its relay session at the next request it serves itself, or when idle.
    if (await this.retired.isRetired(record.versionId)) throw notFound();
    return { kind: 'elsewhere', record };
  }

  private async replying(work: () => Promise<GatewayReply>): Promise<GatewayReply> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof Refusal) return error.reply;
      if (error instanceof DomainError) return refuseWith(error).reply;
      this.log.error({ err: (error as Error).message }, 'gateway request failed');
      return refuse(500, JsonRpcCode.INTERNAL_ERROR, 'Internal error').reply;
    }
  }
}
