import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, type JsonRpcError, type JsonRpcRequest } from '@switchyard/protocol';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { LOGGER } from '../logging/logging.module.js';
import { RateLimiter } from '../rate-limits/rate-limiter.js';
import { CallTelemetry, type CallSpan } from '../telemetry/call-telemetry.service.js';
import type { GatewaySession, GatewaySessionDeps } from './gateway-session.js';
import { domainErrorResponse, errorResponse, JsonRpcCode } from './json-rpc-errors.js';
import { mayCallTool } from './mcp-scope.js';
import { refuseWith } from './refusal.js';
import type { SessionRecord } from './session-record.js';
import { ToolCatalog } from './tool-catalog.js';
import { toolCallStart } from './tool-call-start.js';
import { ToolArgumentsValidator, type ArgumentProblem, type ToolDefinition } from './tool-definitions.js';
import { ToolInvocationsRepository, type ToolCallStart } from './tool-invocations.repository.js';
import { UpstreamsRepository } from './upstreams.repository.js';

/** The audit row's errorCode of a call whose arguments do not fit the tool's input schema. */
export const INVALID_ARGUMENTS = 'INVALID_ARGUMENTS';

/** What is known of a request when a policy looks at it. */
export interface RequestContext {
  principal: Principal;
  serverName: string;
  message: JsonRpcRequest;
  /** The session's record, once the session is found. */
  record?: SessionRecord;
  sessionId?: string | null;
  /** The HTTP `traceparent` header (the holder of a session gets it with the handoff). */
  traceparentHeader?: string;
}

/** A tools/call that may go on: its audit row (written before dispatch) and its span. */
export interface AdmittedCall {
  audit?: ToolCallStart;
  span: CallSpan;
}

const metaTraceparent = (message: JsonRpcRequest): unknown => (message.params?._meta as { traceparent?: unknown } | undefined)?.traceparent;

/**
 * The gateway's per-request policies, in the order they apply (docs/gateway.md): the key's rate
 * limit, a span per request, the key's tool scope, and the tool's input schema. Every refused
 * tools/call leaves a DENIED audit row and a DENIED span (calls to registered servers only).
 */
@Injectable()
export class GatewayPolicies {
  private readonly catalog = new ToolCatalog();
  private readonly validator = new ToolArgumentsValidator();
  /** The toolsHash this process last stored per version (one UPDATE per version, not per list). */
  private readonly storedHashes = new Map<string, string>();
  private readonly log: Logger;

  constructor(
    private readonly rateLimiter: RateLimiter,
    private readonly telemetry: CallTelemetry,
    private readonly audit: ToolInvocationsRepository,
    private readonly upstreams: UpstreamsRepository,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'gateway' });
  }

  /** What sessions tell the tool catalog (GatewaySessionDeps.tools). */
  readonly toolHooks: NonNullable<GatewaySessionDeps['tools']> = {
    listed: (versionId, tools) => this.storeToolsHash(versionId, this.catalog.listed(versionId, tools).toolsHash),
    changed: (versionId) => this.catalog.forget(versionId),
  };

  /**
   * A tool's annotations as its version's last `tools/list` gave them (every admitted tools/call
   * made sure the list was known), for the retry decision; undefined when the list is not known.
   */
  toolAnnotations(versionId: string, tool: string): ToolDefinition['annotations'] {
    return this.catalog.known(versionId)?.byName.get(tool)?.annotations;
  }

  /**
   * The key's rate limit (SWITCHYARD_MCP_RATE_LIMIT_*), for JSON-RPC requests only: notifications
   * and the client's answers to the server's requests are parts of exchanges already counted, and
   * refusing them would break those (a sampling answer refused = a tool call stuck). Throws a 429
   * Refusal with Retry-After; a refused tools/call leaves a DENIED row, errorCode RATE_LIMITED.
   */
  async assertWithinRateLimit(request: RequestContext): Promise<void> {
    try {
      await this.rateLimiter.assertWithinLimit(request.principal.keyId);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await this.deny(request, error);
      throw refuseWith(error, request.message.id);
    }
  }

  /** A tools/call to a server outside the key's scope: refused, audited (and traced if the server exists). */
  async deniedServer(request: RequestContext, error: DomainError): Promise<void> {
    await this.deny(request, error);
  }

  /**
   * Starts the span of a request to a session held here, and for a tools/call checks the key's tool
   * scope and the arguments. Returns the call to dispatch, or the JSON-RPC error to answer with
   * (the call is then audited as DENIED and its span ended).
   */
  async admit(session: GatewaySession, request: RequestContext & { record: SessionRecord }): Promise<{ call: AdmittedCall } | { refusal: JsonRpcError }> {
    const { message, record } = request;
    const tool = message.method === 'tools/call' ? (message.params?.name as string) : undefined;
    const audit = tool === undefined ? undefined : this.callStart(request, tool);
    const span = this.startSpan(request, tool, audit);
    if (audit !== undefined && tool !== undefined) {
      if (!mayCallTool(request.principal, record.serverName, tool)) {
        const error = DomainError.forbidden(`This API key may not call tool ${tool} of MCP server ${record.serverName}`);
        await this.audit.denied(audit, ErrorCode.FORBIDDEN);
        span.end('DENIED', { errorCode: ErrorCode.FORBIDDEN });
        return { refusal: domainErrorResponse(error, message.id).body };
      }
      const problems = await this.argumentProblems(session, tool, message.params?.arguments);
      if (problems !== undefined) {
        await this.audit.denied(audit, INVALID_ARGUMENTS);
        span.end('DENIED', { errorCode: INVALID_ARGUMENTS });
        const summary = problems.map((problem) => `${problem.path} ${problem.message}`).join('; ');
        return { refusal: errorResponse(message.id, JsonRpcCode.INVALID_PARAMS, `Invalid arguments for tool ${tool}: ${summary}`, { code: INVALID_ARGUMENTS, errors: problems }) };
      }
    }
    span.setTarget({ versionId: record.versionId, runnerId: record.runnerId, nodepool: record.nodepoolId });
    return { call: { ...(audit === undefined ? {} : { audit }), span } };
  }

  /**
   * Problems of the arguments against the tool's input schema, or undefined when they fit or cannot
   * be checked. A tool the version's list does not name goes on unchecked: the upstream's tools may
   * have changed since (or differ per session), and it answers an unknown tool itself.
   */
  private async argumentProblems(session: GatewaySession, tool: string, args: unknown): Promise<ArgumentProblem[] | undefined> {
    const versionId = session.record.versionId;
    const tools = await this.catalog
      .toolsOf(versionId, () => session.listTools())
      .catch((error: Error) => void this.log.warn({ sessionId: session.sessionId, err: error.message }, 'could not list the tools of a version: call not checked'));
    if (tools === undefined) return undefined;
    this.storeToolsHash(versionId, tools.toolsHash);
    const definition = tools.byName.get(tool);
    if (definition === undefined) return undefined;
    const check = this.validator.check(definition, args);
    if (check.ok) {
      if ('unchecked' in check) this.log.debug({ versionId, tool, reason: check.unchecked }, 'tool arguments not checked');
      return undefined;
    }
    return check.problems;
  }

  private callStart(request: RequestContext, tool: string): ToolCallStart {
    const { principal, serverName, message, record } = request;
    return toolCallStart({ principal, serverName, tool, args: message.params?.arguments, hmacKey: this.config.auditHmacKey, ...(record ? { record } : { sessionId: request.sessionId ?? null }) });
  }

  /** A span per request; the audit row (if any) keeps its trace id. Only for servers that exist. */
  private startSpan(request: RequestContext, tool: string | undefined, audit: ToolCallStart | undefined): CallSpan {
    const sessionId = request.record?.sessionId ?? request.sessionId ?? undefined;
    const span = this.telemetry.startCall({
      server: request.serverName,
      method: request.message.method,
      ...(tool === undefined ? {} : { tool }),
      ...(sessionId === undefined ? {} : { sessionId }),
      apiKeyId: request.principal.keyId,
      ...(audit === undefined ? {} : { callId: audit.callId }),
      incoming: { meta: metaTraceparent(request.message), header: request.traceparentHeader },
    });
    if (audit !== undefined) audit.traceId = span.traceId;
    return span;
  }

  /** A refused tools/call: a DENIED row, and a DENIED span when the server is registered (no metric series for made-up names). */
  private async deny(request: RequestContext, error: DomainError): Promise<void> {
    if (request.message.method !== 'tools/call') return;
    const name = request.message.params?.name;
    const tool = typeof name === 'string' ? name : '';
    const audit = this.callStart(request, tool);
    const known = request.record !== undefined || (await this.upstreams.serverExists(request.serverName));
    const span = known ? this.startSpan(request, tool, audit) : undefined;
    await this.audit.denied(audit, error.code);
    span?.end('DENIED', { errorCode: error.code });
  }

  private storeToolsHash(versionId: string, toolsHash: string): void {
    if (this.storedHashes.get(versionId) === toolsHash) return;
    this.storedHashes.set(versionId, toolsHash);
    this.upstreams.recordToolsHash(versionId, toolsHash).catch((error: Error) => {
      this.storedHashes.delete(versionId);
      this.log.warn({ versionId, err: error.message }, 'could not store the toolsHash of a version');
    });
  }
}
