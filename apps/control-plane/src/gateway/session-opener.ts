import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, type JsonRpcRequest } from '@switchyard/protocol';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { RunnerRelay } from '../relay/runner-relay.js';
import { JsonAnswer } from './client-stream.js';
import type { GatewayReply } from './gateway-reply.js';
import { GatewaySession, type GatewaySessionDeps } from './gateway-session.js';
import { refuseWith } from './refusal.js';
import type { SessionRecord } from './session-record.js';
import type { SessionStore } from './session-store.js';
import type { Upstream, UpstreamChooser } from './upstream-chooser.js';
import type { UpstreamsRepository } from './upstreams.repository.js';

/** How long an initialize may take upstream before the gateway gives up on that session. */
const INITIALIZE_TIMEOUT_MS = 30_000;

export interface SessionOpenerDeps {
  relay: RunnerRelay;
  chooser: UpstreamChooser;
  upstreams: UpstreamsRepository;
  sessions: SessionStore;
  sessionDeps: GatewaySessionDeps;
  replicaId: string;
  log: Logger;
  /** The session is up: the owner keeps it and serves it to other replicas (before its record exists). */
  opened: (session: GatewaySession) => Promise<void>;
}

/**
 * Opens a session on `initialize`: asks the UpstreamChooser for candidates, opens a relay session on
 * the first, relays `initialize`, and moves on while runners say "not here" (NOT_PLACED, AT_CAPACITY,
 * …). The session is pinned to that version and runner; its record goes to Redis once the upstream
 * answered.
 */
export class SessionOpener {
  constructor(private readonly deps: SessionOpenerDeps) {}

  /** Relays `initialize` to the first candidate that takes it; the answer carries the new Mcp-Session-Id. */
  async open(serverName: string, principal: Principal, message: JsonRpcRequest): Promise<GatewayReply> {
    if (!(await this.deps.upstreams.serverExists(serverName))) throw refuseWith(DomainError.notFound('MCP server', serverName), message.id);
    let candidates: Upstream[];
    try {
      candidates = await this.deps.chooser.candidates(serverName);
    } catch (error) {
      // The router refuses rather than spill outside the policy (residency, nothing healthy).
      throw refuseWith(error instanceof DomainError ? error : new DomainError(ErrorCode.INTERNAL, (error as Error).message), message.id);
    }
    if (candidates.length === 0) {
      throw refuseWith(new DomainError(ErrorCode.NO_ELIGIBLE_RUNNER, `No healthy runner serves MCP server ${serverName}`, { serverName }), message.id);
    }
    const requested = typeof message.params?.protocolVersion === 'string' ? message.params.protocolVersion : '';
    let lastError: DomainError | undefined;
    for (const upstream of candidates) {
      const attempt = await this.tryInitialize(serverName, principal, message, upstream, requested);
      if (attempt.kind === 'reply') return attempt.reply;
      lastError = attempt.error;
      if (attempt.error.details.retryableElsewhere !== true) break;
    }
    throw refuseWith(lastError ?? new DomainError(ErrorCode.UPSTREAM_FAILED, 'no runner accepted the session'), message.id);
  }

  private async tryInitialize(
    serverName: string,
    principal: Principal,
    message: JsonRpcRequest,
    upstream: Upstream,
    requestedVersion: string,
  ): Promise<{ kind: 'reply'; reply: GatewayReply } | { kind: 'failed'; error: DomainError }> {
    const sessionId = randomUUID();
    const record: SessionRecord = {
      sessionId,
      serverName,
      versionId: upstream.versionId,
      deploymentId: upstream.deploymentId,
      runnerId: upstream.runnerId,
      nodepoolId: upstream.nodepoolId,
      ...(upstream.propensity === undefined ? {} : { propensity: upstream.propensity }),
      ...(upstream.rolloutId === undefined ? {} : { rolloutId: upstream.rolloutId }),
      ...(upstream.costPerCall === undefined ? {} : { costPerCall: upstream.costPerCall }),
      ...(upstream.unit === 'call' ? { unit: 'call' as const } : {}),
      apiKeyId: principal.keyId,
      protocolVersion: requestedVersion,
      replicaId: this.deps.replicaId,
      createdAt: new Date().toISOString(),
    };
    const session = new GatewaySession(record, this.deps.relay.openSession(upstream.runnerId, { sessionId, deploymentId: upstream.deploymentId, versionId: upstream.versionId }), this.deps.sessionDeps);
    const sink = new JsonAnswer('initialize');
    try {
      await session.request(message, sink);
    } catch (error) {
      void session.close('initialize was not accepted');
      return { kind: 'failed', error: error instanceof DomainError ? error : new DomainError(ErrorCode.UPSTREAM_FAILED, (error as Error).message) };
    }
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([sink.answer, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), INITIALIZE_TIMEOUT_MS)))]);
    clearTimeout(timer);
    if (answer === undefined || !('result' in answer)) {
      void session.close('initialize failed');
      if (answer !== undefined) return { kind: 'reply', reply: { kind: 'json', status: 200, body: answer } };
      return { kind: 'failed', error: new DomainError(ErrorCode.UPSTREAM_FAILED, `runner ${upstream.runnerId} did not answer initialize`, { runnerId: upstream.runnerId }) };
    }
    if (typeof answer.result.protocolVersion === 'string') record.protocolVersion = answer.result.protocolVersion;
    session.initialized(message.params);
    await this.deps.opened(session);
    try {
      await this.deps.sessions.save(record);
    } catch (error) {
      // Without its record no request could find the session: do not keep the upstream for nothing.
      void session.close('the session record could not be stored');
      this.deps.log.error({ sessionId, err: (error as Error).message }, 'could not store a gateway session record');
      throw new DomainError(ErrorCode.INTERNAL, 'the session could not be stored');
    }
    this.deps.log.info({ sessionId, serverName, runnerId: upstream.runnerId, versionId: upstream.versionId, apiKeyId: principal.keyId, protocolVersion: record.protocolVersion }, 'gateway session opened');
    return { kind: 'reply', reply: { kind: 'json', status: 200, body: answer, headers: { 'mcp-session-id': sessionId } } };
  }
}
