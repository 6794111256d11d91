import { randomUUID } from 'node:crypto';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { DomainError, ErrorCode, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest } from '@switchyard/protocol';
import { destinationOf, type InFlight } from '../gateway/event-routing.js';
import type { Upstream, UpstreamChooser } from '../gateway/upstream-chooser.js';
import type { RelayEvent, RelaySession, SendOptions } from '../relay/relay-session.js';
import type { RunnerRelay } from '../relay/runner-relay.js';

/** What happens to one request of the session, in order; `answer`, `failed` and `lost` end it. */
export type RequestEvent =
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'answer'; message: Exclude<JsonRpcMessage, JsonRpcRequest | JsonRpcNotification> }
  /** The runner gave up on the call (CANCELLED after a cancel, UPSTREAM_EXITED…). */
  | { kind: 'failed'; code: string; message: string }
  /** The session itself is gone (runner lost, relay failed, closed). */
  | { kind: 'lost'; error: DomainError };

interface Pending extends InFlight {
  listener: (event: RequestEvent) => void;
}

/** How long `initialize` may take upstream when the caller set no earlier deadline. */
const INITIALIZE_TIMEOUT_MS = 30_000;

const CLIENT_INFO = { name: 'switchyard-grpc-tool-gateway', version: '1' };

/**
 * An MCP client session of the gRPC ToolGateway to one upstream, over a relay session: opened like
 * the MCP gateway's (UpstreamChooser candidates in order, the next one while runners say "not
 * here"), then `initialize` and `notifications/initialized` on behalf of the gRPC caller, who
 * does not speak MCP. Requests are multiplexed by JSON-RPC id; what the upstream sends is routed
 * to them with the MCP gateway's own rule (event-routing.ts): answers by id, progress by call id
 * or progressToken, logs to the one request in flight. The gRPC caller cannot answer
 * server → client requests (it declared no capabilities): they get a JSON-RPC error, ping an
 * empty result.
 */
export class UpstreamMcpSession {
  private readonly pending = new Map<string | number, Pending>();
  private state: 'open' | 'ended' = 'open';

  private constructor(
    readonly upstream: Upstream,
    private readonly relay: RelaySession,
  ) {
    void this.pump();
  }

  get sessionId(): string {
    return this.relay.sessionId;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /**
   * A session on the first candidate that takes it. NOT_FOUND is the caller's to check (the server
   * exists); no candidates is NO_ELIGIBLE_RUNNER; every runner refusing is their last reason.
   */
  static async open(relay: RunnerRelay, chooser: UpstreamChooser, serverName: string, deadline?: Date): Promise<UpstreamMcpSession> {
    const candidates = await chooser.candidates(serverName);
    if (candidates.length === 0) throw new DomainError(ErrorCode.NO_ELIGIBLE_RUNNER, `No healthy runner serves MCP server ${serverName}`, { serverName });
    let lastError: DomainError | undefined;
    for (const upstream of candidates) {
      const session = new UpstreamMcpSession(upstream, relay.openSession(upstream.runnerId, { sessionId: randomUUID(), deploymentId: upstream.deploymentId, versionId: upstream.versionId }));
      try {
        await session.initialize(deadline);
        return session;
      } catch (error) {
        session.close('initialize was not accepted');
        lastError = error instanceof DomainError ? error : new DomainError(ErrorCode.UPSTREAM_FAILED, (error as Error).message);
        if (lastError.details.retryableElsewhere !== true) break;
      }
    }
    throw lastError ?? new DomainError(ErrorCode.UPSTREAM_FAILED, 'no runner accepted the session');
  }

  /**
   * Sends a request; its events go to `listener` until one ends it. Resolves once the runner has
   * accepted it (with its JSON-RPC id, for a cancellation); throws when nothing was dispatched.
   */
  async request(method: string, params: Record<string, unknown>, listener: (event: RequestEvent) => void, options: SendOptions & { progressToken?: string } = {}): Promise<string> {
    this.assertOpen();
    // Unique ids, not 1, 2, 3…: a stdio server serves its sessions one after another, and the late
    // answer of a call cancelled in an earlier session must not match a request of this one.
    const id = randomUUID();
    const callId = options.callId ?? randomUUID();
    const withToken = options.progressToken === undefined ? params : { ...params, _meta: { ...((params._meta as Record<string, unknown>) ?? {}), progressToken: options.progressToken } };
    this.pending.set(id, { id, callId, streamId: callId, sse: true, ...(options.progressToken === undefined ? {} : { progressToken: options.progressToken }), listener });
    try {
      await this.relay.send({ jsonrpc: '2.0', id, method, params: withToken }, { ...options, callId });
    } catch (error) {
      this.pending.delete(id);
      throw error;
    }
    return id;
  }

  /** MCP cancellation of a request in flight: the upstream is told, and its late answer is dropped. */
  async cancel(id: string, reason: string): Promise<void> {
    if (!this.pending.delete(id) || this.state !== 'open') return;
    await this.relay.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } });
  }

  /** Releases the upstream connection on the runner; requests still in flight are `lost`. Idempotent. */
  close(reason: string): void {
    if (this.state !== 'open') return;
    this.relay.close(reason);
    this.end(new DomainError(ErrorCode.UPSTREAM_FAILED, `the session was closed: ${reason}`));
  }

  private async initialize(deadline: Date | undefined): Promise<void> {
    const timeoutMs = Math.min(INITIALIZE_TIMEOUT_MS, deadline === undefined ? Infinity : deadline.getTime() - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const answer = await new Promise<RequestEvent>((resolve, reject) => {
      timer = setTimeout(() => resolve({ kind: 'lost', error: new DomainError(ErrorCode.UPSTREAM_FAILED, `runner ${this.upstream.runnerId} did not answer initialize`, { runnerId: this.upstream.runnerId }) }), Math.max(0, timeoutMs));
      this.request('initialize', { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO }, resolve).catch(reject);
    }).finally(() => clearTimeout(timer));
    if (answer.kind === 'lost') throw answer.error;
    if (answer.kind === 'answer' && 'result' in answer.message) {
      await this.relay.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      return;
    }
    const why = answer.kind === 'answer' && 'error' in answer.message ? answer.message.error.message : answer.kind === 'failed' ? answer.message : 'no answer';
    throw new DomainError(ErrorCode.UPSTREAM_FAILED, `MCP server refused initialize: ${why}`, { runnerId: this.upstream.runnerId });
  }

  private async pump(): Promise<void> {
    try {
      for await (const event of this.relay.messages) this.route(event);
    } catch (error) {
      this.end(error instanceof DomainError ? error : new DomainError(ErrorCode.UPSTREAM_FAILED, (error as Error).message));
      return;
    }
    this.end(new DomainError(ErrorCode.UPSTREAM_FAILED, 'the relay session ended'));
  }

  private route(event: RelayEvent): void {
    if (event.type === 'call-failed') {
      const entry = [...this.pending.values()].find((candidate) => candidate.callId === event.callId);
      if (entry === undefined) return;
      this.pending.delete(entry.id);
      entry.listener({ kind: 'failed', code: event.code, message: event.message });
      return;
    }
    const { message } = event;
    if ('method' in message && 'id' in message) return this.answerServerRequest(message);
    const destination = destinationOf(message, event.callId, this.pending.values());
    if (destination.kind === 'answer') {
      const entry = this.pending.get(destination.request.id);
      this.pending.delete(destination.request.id);
      entry?.listener({ kind: 'answer', message: message as Extract<RequestEvent, { kind: 'answer' }>['message'] });
      return;
    }
    if (destination.kind === 'stream' && 'method' in message) {
      const entry = [...this.pending.values()].find((candidate) => candidate.streamId === destination.streamId);
      entry?.listener({ kind: 'notification', message: message as JsonRpcNotification });
    }
    // `standalone` (list_changed, logs while several requests run) and `drop`: nobody to tell.
  }

  /** The gRPC caller declared no client capabilities and cannot take part in sampling, elicitation or roots. */
  private answerServerRequest(request: JsonRpcRequest): void {
    const answer: JsonRpcMessage =
      request.method === 'ping'
        ? { jsonrpc: '2.0', id: request.id, result: {} }
        : { jsonrpc: '2.0', id: request.id, error: { code: -32601, message: `${request.method} is not available to callers of the gRPC ToolGateway` } };
    this.relay.send(answer).catch(() => undefined);
  }

  private end(error: DomainError): void {
    if (this.state !== 'open') return;
    this.state = 'ended';
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) entry.listener({ kind: 'lost', error });
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new DomainError(ErrorCode.UPSTREAM_FAILED, `upstream session ${this.sessionId} has ended`);
  }
}
