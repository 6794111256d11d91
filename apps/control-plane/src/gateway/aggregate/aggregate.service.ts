import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DomainError, ErrorCode, type JsonRpcMessage, type JsonRpcRequest } from '@switchyard/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ApiKeysService } from '../../api-keys/api-keys.service.js';
import type { Principal } from '../../auth/principal.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../../config/config.js';
import { REDIS } from '../../connections/connections.module.js';
import { LOGGER } from '../../logging/logging.module.js';
import { RunnerRelay } from '../../relay/runner-relay.js';
import { RetiredVersions } from '../../rollouts/retired-versions.js';
import { OutstandingRequests } from '../../routing/outstanding-requests.js';
import { RoutingStats } from '../../routing/routing-stats.js';
import { EventLog } from '../event-log.js';
import { GatewayPolicies } from '../gateway-policies.js';
import type { GatewayReply } from '../gateway-reply.js';
import type { GatewaySession, GatewaySessionDeps } from '../gateway-session.js';
import { GatewayAdmission, replying, type Headers } from '../gateway-admission.js';
import type { HandoffReply, HandoffRequest } from '../handoff-messages.js';
import { acceptsEventStream, headerValue, responseModeOf, type ResponseMode, parseEventId } from '../http-checks.js';
import { classify, parseBody, type IncomingMessage } from '../incoming-message.js';
import { errorResponse, JsonRpcCode } from '../json-rpc-errors.js';
import { handedOver, notFound, refuse, Refusal } from '../refusal.js';
import { SessionHandoff } from '../session-handoff.js';
import { answerSink, asHttp, forwardHere, getHere, hostHandedOver, replyWhenSent, SessionHolding, type HolderReply } from '../session-holding.js';
import { SessionOpener } from '../session-opener.js';
import { SessionStore } from '../session-store.js';
import { ToolInvocationsRepository } from '../tool-invocations.repository.js';
import { UPSTREAM_CHOOSER, type UpstreamChooser } from '../upstream-chooser.js';
import { UpstreamsRepository } from '../upstreams.repository.js';
import { initializeResult } from './aggregate-initialize.js';
import type { AggregateRecord } from './aggregate-record.js';
import { AggregateServersRepository } from './aggregate-servers.repository.js';
import { AggregateSession, type AggregateSessionDeps } from './aggregate-session.js';
import { AggregateStore } from './aggregate-store.js';
import { CoalescedRun } from './coalesced-run.js';
import { KeyChangesBroadcast } from '../../api-keys/key-changes-broadcast.js';
import type { OpenedUpstream } from './aggregate-upstreams.js';
import { ShortNames } from './gateway-names.js';
import { ROUTED_METHODS } from './request-target.js';
import { UpstreamTap } from './upstream-tap.js';

/** Handoff requests of `/mcp` name this instead of a server (server names are `[a-z0-9-]+`). */
export const AGGREGATE_HANDOFF_SERVER = '*';

type Place = { kind: 'here'; session: AggregateSession } | { kind: 'elsewhere'; record: AggregateRecord };

const SHUTDOWN_AUDIT_WAIT_MS = 2_000;
/**
 * How often a replica looks whether the served servers or the keys changed under the sessions it
 * holds (two queries for all of them): the longest a key change or a placement takes to reach a
 * session's client as list_changed, on every replica alike.
 */
const SWEEP_MS = 10_000;

/**
 * The use cases of the aggregated endpoint `/mcp` (docs/gateway.md, "Aggregated endpoint /mcp"),
 * shaped like GatewayService's for `/mcp/<server>`: the same key checks, Streamable HTTP rules,
 * streams and event logs, and the same hand-over to the replica holding a session. What differs
 * is the session: an AggregateSession that answers initialize and the lists itself and opens one
 * upstream session (GatewaySession, through SessionOpener) per server it needs.
 */
@Injectable()
export class AggregateService implements OnModuleDestroy {
  readonly replicaId = randomUUID();
  private readonly local: SessionHolding<AggregateSession>;
  /** Upstream session id → the aggregated session it belongs to. */
  private readonly owners = new Map<string, AggregateSession>();
  private readonly tap: UpstreamTap;
  private readonly upstreamDeps: GatewaySessionDeps;
  private readonly sessionDeps: AggregateSessionDeps;
  private readonly admission: GatewayAdmission;
  private readonly log: Logger;
  private readonly sweepTimer: NodeJS.Timeout;
  /** Sweeps, one at a time: a change heard during one gets the next (CoalescedRun). */
  private readonly sweeps = new CoalescedRun(() => this.sweepOnce());

  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly relay: RunnerRelay,
    @Inject(UPSTREAM_CHOOSER) private readonly chooser: UpstreamChooser,
    handoff: SessionHandoff,
    private readonly upstreams: UpstreamsRepository,
    private readonly sessions: SessionStore,
    private readonly eventLog: EventLog,
    private readonly audit: ToolInvocationsRepository,
    private readonly store: AggregateStore,
    private readonly policies: GatewayPolicies,
    private readonly servers: AggregateServersRepository,
    routingStats: RoutingStats,
    outstanding: OutstandingRequests,
    retired: RetiredVersions,
    keyChanges: KeyChangesBroadcast,
    @Inject(REDIS) redis: Redis,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'gateway-aggregate' });
    this.admission = new GatewayAdmission(apiKeys, config.mcp.keyCacheSeconds * 1000);
    this.local = new SessionHolding({ handoff, eventLog, records: store, log: this.log, names: { one: 'an aggregated session', kind: 'aggregated session' } });
    this.tap = new UpstreamTap(redis, config, logger);
    this.upstreamDeps = {
      // The router learns of the calls through /mcp as of those through /mcp/<server>.
      routing: {
        started: (runnerId) => outstanding.started(runnerId),
        finished: (runnerId) => outstanding.finished(runnerId),
        recordInvocation: (call) => routingStats.recordInvocation(call),
      },
      eventLog: this.tap,
      sessions,
      audit,
      logger: this.log,
      now: () => performance.timeOrigin + performance.now(),
      idleMs: config.mcp.sessionIdleSeconds * 1000,
      tools: policies.toolHooks,
      ended: (upstream) => {
        this.tap.forget(upstream.sessionId);
        this.owners.get(upstream.sessionId)?.upstreamEnded(upstream);
        this.owners.delete(upstream.sessionId);
      },
    };
    this.sessionDeps = {
      eventLog,
      store,
      policies,
      logger: this.log,
      idleMs: config.mcp.sessionIdleSeconds * 1000,
      keyCacheMs: config.mcp.keyCacheSeconds * 1000,
      servedServers: () => servers.servedServerNames(),
      openUpstream: (server, principal, initialize, owner) => this.openUpstream(server, principal, initialize, owner),
      touchUpstream: (upstreamSessionId) => sessions.touch(upstreamSessionId),
      isRetired: (versionId) => retired.isRetired(versionId),
      ended: (session) => this.local.ended(session),
    };
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
    keyChanges.onChange((keyId) => this.keyChanged(keyId));
  }

  /**
   * Tells the sessions held here which servers are served now and what their keys are now (read
   * from the database, not the key cache), so that each can send list_changed when what its client
   * sees changed, and a session whose key was revoked ends (docs, "Keys and servers changing under
   * a session"). Runs on a timer and when a key changes, on every replica; public so that tests
   * need not wait for it. Sweeps run one at a time, and the one a call gets reads after the call:
   * a sweep with older reads never lands after a newer one.
   */
  sweep(): Promise<void> {
    return this.sweeps.run();
  }

  private async sweepOnce(): Promise<void> {
    if (this.local.size === 0) return;
    try {
      const sessions = [...this.local.values()];
      const [served, keys] = await Promise.all([this.servers.servedServerNames(), this.apiKeys.activePrincipals(sessions.map((session) => session.record.apiKeyId))]);
      const now = Date.now();
      for (const session of sessions) if (!keys.has(session.record.apiKeyId)) this.admission.forgetKey(session.record.apiKeyId);
      await Promise.all(sessions.map((session) => session.scopeNow(served, keys.get(session.record.apiKeyId), now)));
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'could not check the servers and keys of aggregated sessions');
    }
  }

  /**
   * A key changed on some replica (KeyChangesBroadcast): its cached check here is dropped, and the
   * sessions held here are swept at once when one of them is of that key.
   */
  private keyChanged(keyId: string): void {
    this.admission.forgetKey(keyId);
    if ([...this.local.values()].some((session) => session.record.apiKeyId === keyId)) void this.sweep();
  }

  get openSessions(): number {
    return this.local.size;
  }

  async post(headers: Headers, body: Buffer | undefined): Promise<GatewayReply> {
    return this.replying(async () => {
      const principal = await this.admission.admit(headers);
      const parsed = parseBody(body);
      if (!parsed.ok) throw refuse(400, parsed.code, parsed.message);
      const { incoming } = parsed;
      const traceparent = headerValue(headers.traceparent);
      if (incoming.kind === 'request' && incoming.message.method === 'initialize') {
        await this.policies.assertWithinRateLimit({ principal, serverName: AGGREGATE_HANDOFF_SERVER, message: incoming.message });
        return this.open(principal, incoming.message);
      }
      this.admission.checkProtocolVersion(headers);
      const mode = responseModeOf(headerValue(headers.accept));
      const sse = mode !== 'json';
      const place = await this.locate(principal, headerValue(headers['mcp-session-id']));
      if (place.kind === 'here') return asHttp(place.session, await this.postHere(place.session, principal, incoming, mode, traceparent));
      const reply = await this.local.forward(place.record, {
        v: 1,
        op: 'post',
        serverName: AGGREGATE_HANDOFF_SERVER,
        principal: handedOver(principal),
        sse,
        message: incoming.message,
        ...(traceparent === undefined ? {} : { traceparent }),
      });
      return this.local.followed(place.record.sessionId, reply, sse);
    });
  }

  async get(headers: Headers): Promise<GatewayReply> {
    return this.replying(async () => {
      const principal = await this.admission.admit(headers);
      if (!acceptsEventStream(headerValue(headers.accept))) throw refuse(406, JsonRpcCode.SERVER_ERROR, 'Not Acceptable: GET needs Accept: text/event-stream');
      this.admission.checkProtocolVersion(headers);
      const lastEventId = headerValue(headers['last-event-id']);
      const resume = lastEventId === undefined ? undefined : parseEventId(lastEventId);
      if (lastEventId !== undefined && resume === undefined) throw refuse(400, JsonRpcCode.SERVER_ERROR, `Bad Request: Last-Event-ID ${lastEventId} names no stream of this session`);
      const place = await this.locate(principal, headerValue(headers['mcp-session-id']));
      if (place.kind === 'here') return getHere(place.session, resume, this.eventLog);
      const reply = await this.local.forward(place.record, { v: 1, op: 'get', serverName: AGGREGATE_HANDOFF_SERVER, principal: handedOver(principal), ...(resume ? { resume } : {}) });
      return this.local.followed(place.record.sessionId, reply, true);
    });
  }

  async delete(headers: Headers): Promise<GatewayReply> {
    return this.replying(async () => {
      const principal = await this.admission.admit(headers);
      this.admission.checkProtocolVersion(headers);
      const place = await this.locate(principal, headerValue(headers['mcp-session-id']));
      if (place.kind === 'elsewhere') return this.local.followed(place.record.sessionId, await this.local.forward(place.record, { v: 1, op: 'delete', serverName: AGGREGATE_HANDOFF_SERVER, principal: handedOver(principal) }), false);
      await place.session.close('the client ended the session');
      return { kind: 'empty', status: 200 };
    });
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweepTimer);
    const closing = [...this.local.values()].map((session) => session.close('the control plane is shutting down', { outcome: 'INTERRUPTED', errorCode: 'CONTROL_PLANE_SHUTDOWN' }));
    await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_AUDIT_WAIT_MS).unref())]);
  }

  /** initialize: answered by the gateway; no upstream is opened until the session needs one. */
  private async open(principal: Principal, message: JsonRpcRequest): Promise<GatewayReply> {
    const params = (message.params ?? {}) as Record<string, unknown>;
    const result = initializeResult(params.protocolVersion);
    const record: AggregateRecord = {
      sessionId: randomUUID(),
      apiKeyId: principal.keyId,
      protocolVersion: result.protocolVersion as string,
      replicaId: this.replicaId,
      createdAt: new Date().toISOString(),
      upstreams: {},
    };
    const session = new AggregateSession(record, params, new ShortNames(), this.sessionDeps);
    await this.local.hold(session, (request) => this.host(session, request));
    try {
      await this.store.save(record);
    } catch (error) {
      void session.close('the session record could not be stored');
      this.log.error({ sessionId: record.sessionId, err: (error as Error).message }, 'could not store an aggregated session record');
      throw new DomainError(ErrorCode.INTERNAL, 'the session could not be stored');
    }
    this.log.info({ sessionId: record.sessionId, apiKeyId: principal.keyId, protocolVersion: record.protocolVersion }, 'aggregated gateway session opened');
    return { kind: 'json', status: 200, body: { jsonrpc: '2.0', id: message.id, result } as JsonRpcMessage, headers: { 'mcp-session-id': record.sessionId } };
  }

  /**
   * An upstream session of `server` for an aggregated session: SessionOpener as for `/mcp/<server>`
   * (candidates, retries on "not here", the record), with the tap as its event log.
   */
  private async openUpstream(server: string, principal: Principal, initialize: JsonRpcRequest, owner: AggregateSession): Promise<OpenedUpstream> {
    let opened: GatewaySession | undefined;
    const opener = new SessionOpener({
      relay: this.relay,
      chooser: this.chooser,
      upstreams: this.upstreams,
      sessions: this.sessions,
      sessionDeps: this.upstreamDeps,
      replicaId: this.replicaId,
      log: this.log,
      opened: async (session) => {
        opened = session;
        this.owners.set(session.sessionId, owner);
        this.tap.listen(session.sessionId, (message) => owner.fromUpstream(server, message));
      },
    });
    let reply: GatewayReply;
    try {
      reply = await opener.open(server, principal, initialize);
    } catch (error) {
      if (error instanceof Refusal && error.reply.kind === 'json' && 'error' in error.reply.body) throw domainErrorOf(error.reply.body.error, server);
      throw error;
    }
    if (opened === undefined || reply.kind !== 'json' || !('result' in reply.body)) {
      if (reply.kind === 'json' && 'error' in reply.body) throw new DomainError(ErrorCode.UPSTREAM_FAILED, `MCP server ${server} refused initialize: ${reply.body.error.message}`, { serverName: server });
      throw new DomainError(ErrorCode.UPSTREAM_FAILED, `MCP server ${server} could not be opened`, { serverName: server });
    }
    return { session: opened, capabilities: ((reply.body.result as { capabilities?: Record<string, unknown> }).capabilities ?? {}) as Record<string, unknown> };
  }

  private async postHere(session: AggregateSession, principal: Principal, incoming: IncomingMessage, mode: ResponseMode, traceparent: string | undefined, remote = false): Promise<HolderReply> {
    if (incoming.kind !== 'request') return forwardHere(session, incoming.message);
    const message = incoming.message;
    // A routed request is counted once its server is known (a refused tools/call is audited with it).
    if (!ROUTED_METHODS.has(message.method)) await this.policies.assertWithinRateLimit({ principal, serverName: AGGREGATE_HANDOFF_SERVER, message });
    const own = await session.answerItself(principal, message);
    if (own !== undefined) return { kind: 'json', status: 200, body: own };
    const sink = answerSink(session, mode, remote);
    let refused: JsonRpcMessage | undefined;
    try {
      refused = await session.route(principal, message, sink, traceparent);
    } catch (error) {
      sink.finish();
      throw error;
    }
    if (refused !== undefined) {
      sink.finish();
      return { kind: 'json', status: 200, body: refused };
    }
    return replyWhenSent(session, sink);
  }

  /** The holder's side of a hand-over: the same operations as for its own clients. */
  private async host(session: AggregateSession, request: HandoffRequest): Promise<HandoffReply> {
    const principal = request.principal as Principal;
    if (!session.isOpen || request.serverName !== AGGREGATE_HANDOFF_SERVER || session.record.apiKeyId !== principal.keyId) {
      return { kind: 'json', status: 404, body: errorResponse(undefined, JsonRpcCode.SESSION_NOT_FOUND, 'Session not found') };
    }
    session.touch();
    return hostHandedOver(session, request, {
      post: (message, sse, traceparent) => this.postHere(session, principal, classify(message), sse ? 'sse' : 'json', traceparent, true),
      delete: () => session.close('the client ended the session'),
      eventLog: this.eventLog,
    });
  }

  /** A session belongs to the key that opened it: anything else is "not found". */
  private async locate(principal: Principal, sessionId: string | undefined): Promise<Place> {
    if (sessionId === undefined) throw refuse(400, JsonRpcCode.SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required');
    const session = this.local.get(sessionId);
    if (session !== undefined) {
      if (!session.isOpen || session.record.apiKeyId !== principal.keyId) throw notFound();
      session.touch();
      return { kind: 'here', session };
    }
    const record = await this.store.find(sessionId);
    if (record === undefined || record.replicaId === this.replicaId || record.apiKeyId !== principal.keyId) throw notFound();
    return { kind: 'elsewhere', record };
  }

  private replying(work: () => Promise<GatewayReply>): Promise<GatewayReply> {
    return replying(work, this.log, 'aggregated gateway request failed');
  }
}

/** A refusal of SessionOpener (unknown server, no runner…) back as the DomainError it was made from. */
function domainErrorOf(error: { message: string; data?: unknown }, server: string): DomainError {
  const code = (error.data as { code?: unknown } | undefined)?.code;
  const known = typeof code === 'string' && (Object.values(ErrorCode) as string[]).includes(code) ? (code as ErrorCode) : ErrorCode.UPSTREAM_FAILED;
  return new DomainError(known, error.message, { serverName: server });
}
