import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DomainError, ErrorCode } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import type { Principal } from '../auth/principal.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { LOGGER } from '../logging/logging.module.js';
import { RunnerRelay } from '../relay/runner-relay.js';
import { OutstandingRequests } from '../routing/outstanding-requests.js';
import { RoutingStats } from '../routing/routing-stats.js';
import { RetiredVersions } from '../rollouts/retired-versions.js';
import { ShadowMirror } from '../shadow/shadow-mirror.js';
import { CallFailover } from './call-failover.js';
import { EventLog } from './event-log.js';
import type { GatewayReply } from './gateway-reply.js';
import { GatewaySession, type GatewaySessionDeps } from './gateway-session.js';
import { KeyChangesBroadcast } from '../api-keys/key-changes-broadcast.js';
import { GatewayAdmission, replying, type Headers } from './gateway-admission.js';
import { acceptsEventStream, headerValue, responseModeOf, type ResponseMode, originAllowed, parseEventId } from './http-checks.js';
import type { HandoffReply, HandoffRequest } from './handoff-messages.js';
import { classify, parseBody, type IncomingMessage } from './incoming-message.js';
import { domainErrorResponse, errorResponse, JsonRpcCode } from './json-rpc-errors.js';
import { GatewayPolicies } from './gateway-policies.js';
import { mayUseServer } from './mcp-scope.js';
import type { SessionRecord } from './session-record.js';
import { handedOver, notFound, refuse, refuseWith } from './refusal.js';
import { SessionHandoff } from './session-handoff.js';
import { answerSink, asHttp, forwardHere, getHere, hostHandedOver, replyWhenSent, SessionHolding, type HolderReply } from './session-holding.js';
import { SessionOpener } from './session-opener.js';
import { SessionStore } from './session-store.js';
import { ToolInvocationsRepository } from './tool-invocations.repository.js';
import { UPSTREAM_CHOOSER, type UpstreamChooser } from './upstream-chooser.js';
import { UpstreamsRepository } from './upstreams.repository.js';

/** Where a session's relay runs: in this process, or on another replica (its record says which). */
type Place = { kind: 'here'; session: GatewaySession } | { kind: 'elsewhere'; record: SessionRecord };

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
  private readonly local: SessionHolding<GatewaySession>;
  private readonly sessionDeps: GatewaySessionDeps;
  private readonly log: Logger;
  private readonly admission: GatewayAdmission;
  private readonly opener: SessionOpener;

  constructor(
    apiKeys: ApiKeysService,
    private readonly relay: RunnerRelay,
    @Inject(UPSTREAM_CHOOSER) private readonly chooser: UpstreamChooser,
    handoff: SessionHandoff,
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
    keyChanges: KeyChangesBroadcast,
  ) {
    this.log = logger.child({ component: 'gateway' });
    this.admission = new GatewayAdmission(apiKeys, config.mcp.keyCacheSeconds * 1000);
    // A key changed on any replica is checked afresh at its next request here: a narrowed scope
    // applies at once, a revoked key gets 401 (its sessions idle out).
    keyChanges.onChange((keyId) => this.admission.forgetKey(keyId));
    this.local = new SessionHolding({ handoff, eventLog, records: sessions, log: this.log, names: { one: 'a gateway session', kind: 'session' } });
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
      perCall: { candidates: (serverName) => chooser.candidates(serverName, 1), openRelay: (runnerId, target) => relay.openSession(runnerId, target) },
      ended: (session) => this.local.ended(session),
    };
    this.opener = new SessionOpener({
      relay,
      chooser,
      upstreams,
      sessions,
      sessionDeps: this.sessionDeps,
      replicaId: this.replicaId,
      log: this.log,
      opened: (session) => this.local.hold(session, (request) => this.host(session, request)),
    });
  }

  /** Sessions held by this replica. */
  get openSessions(): number {
    return this.local.size;
  }

  async post(serverName: string, headers: Headers, body: Buffer | undefined): Promise<GatewayReply> {
    return this.replying(async () => {
      const principal = await this.admission.admit(headers);
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
      this.admission.checkProtocolVersion(headers);
      const mode = responseModeOf(headerValue(headers.accept));
      const sse = mode !== 'json';
      const place = await this.locate(serverName, principal, sessionId);
      if (request !== undefined) await this.policies.assertWithinRateLimit({ ...request, record: place.kind === 'here' ? place.session.record : place.record });
      if (place.kind === 'here') return asHttp(place.session, await this.postHere(place.session, principal, incoming, mode, traceparent));
      const reply = await this.local.forward(place.record, { v: 1, op: 'post', serverName, principal: handedOver(principal), sse, message: incoming.message, ...(traceparent === undefined ? {} : { traceparent }) });
      return this.local.followed(place.record.sessionId, reply, sse);
    });
  }

  async get(serverName: string, headers: Headers): Promise<GatewayReply> {
    return this.replying(async () => {
      const principal = await this.admission.admit(headers);
      if (!acceptsEventStream(headerValue(headers.accept))) throw refuse(406, JsonRpcCode.SERVER_ERROR, 'Not Acceptable: GET needs Accept: text/event-stream');
      if (!mayUseServer(principal, serverName)) throw refuseWith(DomainError.forbidden(`This API key may not use MCP server ${serverName}`));
      this.admission.checkProtocolVersion(headers);
      const lastEventId = headerValue(headers['last-event-id']);
      const resume = lastEventId === undefined ? undefined : parseEventId(lastEventId);
      if (lastEventId !== undefined && resume === undefined) throw refuse(400, JsonRpcCode.SERVER_ERROR, `Bad Request: Last-Event-ID ${lastEventId} names no stream of this session`);
      const place = await this.locate(serverName, principal, headerValue(headers['mcp-session-id']));
      if (place.kind === 'here') return getHere(place.session, resume, this.eventLog);
      const reply = await this.local.forward(place.record, { v: 1, op: 'get', serverName, principal: handedOver(principal), ...(resume ? { resume } : {}) });
      return this.local.followed(place.record.sessionId, reply, true);
    });
  }

  async delete(serverName: string, headers: Headers): Promise<GatewayReply> {
    return this.replying(async () => {
      const principal = await this.admission.admit(headers);
      this.admission.checkProtocolVersion(headers);
      const place = await this.locate(serverName, principal, headerValue(headers['mcp-session-id']));
      if (place.kind === 'elsewhere') return this.local.followed(place.record.sessionId, await this.local.forward(place.record, { v: 1, op: 'delete', serverName, principal: handedOver(principal) }), false);
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
  private async postHere(session: GatewaySession, principal: Principal, incoming: IncomingMessage, mode: ResponseMode, traceparent: string | undefined, remote = false): Promise<HolderReply> {
    if (incoming.kind !== 'request') return forwardHere(session, incoming.message);
    const message = incoming.message;
    if (message.method === 'tools/call' && typeof message.params?.name !== 'string') return { kind: 'json', status: 200, body: errorResponse(message.id, JsonRpcCode.INVALID_PARAMS, 'tools/call needs params.name') };
    const { record } = session;
    const admitted = await this.policies.admit(session, { principal, serverName: record.serverName, message, record, ...(traceparent === undefined ? {} : { traceparentHeader: traceparent }) });
    if ('refusal' in admitted) return { kind: 'json', status: 200, body: admitted.refusal };
    const { audit, span } = admitted.call;
    const sink = answerSink(session, mode, remote);
    try {
      await session.request(message, sink, audit, span);
    } catch (error) {
      sink.finish();
      const failure = error instanceof DomainError ? error : new DomainError(ErrorCode.INTERNAL, 'the gateway could not relay the request');
      span.end('INTERRUPTED', { errorCode: failure.code });
      if (!(error instanceof DomainError)) this.log.error({ err: (error as Error).message, sessionId: session.sessionId }, 'relaying a request failed');
      return { kind: 'json', status: 200, body: domainErrorResponse(failure, message.id).body };
    }
    return replyWhenSent(session, sink);
  }

  private async deleteHere(session: GatewaySession): Promise<void> {
    await session.close('the client ended the session');
    await this.sessions.remove(session.sessionId);
  }

  /** The holder's side of a handoff: the same operations as for its own clients. */
  private async host(session: GatewaySession, request: HandoffRequest): Promise<HandoffReply> {
    const principal = request.principal as Principal;
    if (!session.isOpen || session.record.serverName !== request.serverName || session.record.apiKeyId !== principal.keyId) {
      return { kind: 'json', status: 404, body: errorResponse(undefined, JsonRpcCode.SESSION_NOT_FOUND, 'Session not found') };
    }
    session.touch();
    this.sessions.touch(session.sessionId);
    return hostHandedOver(session, request, {
      post: (message, sse, traceparent) => this.postHere(session, principal, classify(message), sse ? 'sse' : 'json', traceparent, true),
      delete: () => this.deleteHere(session),
      eventLog: this.eventLog,
    });
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

  private replying(work: () => Promise<GatewayReply>): Promise<GatewayReply> {
    return replying(work, this.log, 'gateway request failed');
  }
}
