import { DomainError, ErrorCode, type JsonRpcNotification, type JsonRpcRequest } from '@switchyard/protocol';
import type { Principal } from '../../auth/principal.js';
import type { CallOutcome } from '../call-outcome.js';
import { JsonAnswer } from '../client-stream.js';
import type { GatewaySession } from '../gateway-session.js';

type Json = Record<string, unknown>;

/** How long the gateway waits for an upstream's answer to a request of its own (a list page, setLevel). */
const OWN_REQUEST_TIMEOUT_MS = 30_000;

export interface OpenedUpstream {
  session: GatewaySession;
  /** The upstream's answer to initialize: what it offers. */
  capabilities: Json;
}

export interface Upstream {
  server: string;
  session: GatewaySession;
  capabilities: Json;
  /** Request ids (and progress tokens) the gateway uses towards this upstream: its own numbering, so no client's ids collide. */
  nextId: number;
}

export interface AggregateUpstreamsDeps {
  /** Opens a session of `server` with the client's initialize (SessionOpener). Throws a DomainError. */
  open(server: string, principal: Principal, initialize: JsonRpcRequest): Promise<OpenedUpstream>;
  /** Whether a version was rolled back (RetiredVersions): an upstream session pinned to it is replaced. */
  isRetired(versionId: string): Promise<boolean>;
  /** An upstream was opened: the aggregated session's record names it. */
  opened(server: string, upstreamSessionId: string): void;
  /** An upstream session's record lives on while the aggregated session does. */
  touch(upstreamSessionId: string): void;
}

/**
 * The upstream sessions of one `/mcp` session, one per server, opened on first use with the
 * client's own initialize (then its own notifications/initialized and the session's log level),
 * replaced when pinned to a version that was rolled back. The gateway's own requests to them
 * (list pages, setLevel) go through `ask`, with ids of the gateway's numbering.
 */
export class AggregateUpstreams {
  private readonly opening = new Map<string, Promise<Upstream>>();
  private readonly ready = new Map<string, Upstream>();
  private logLevel: string | undefined;
  private closed = false;

  constructor(
    /** The client's initialize params, sent to each upstream as it opens. */
    private readonly clientInitialize: Json,
    private readonly deps: AggregateUpstreamsDeps,
  ) {}

  /** The open upstream of `server`, if any (never opens one). */
  get(server: string): Upstream | undefined {
    return this.ready.get(server);
  }

  values(): IterableIterator<Upstream> {
    return this.ready.values();
  }

  /** The open upstream whose session is `session`, forgotten (it ended by itself). */
  forgetSession(session: GatewaySession): Upstream | undefined {
    const upstream = [...this.ready.values()].find((candidate) => candidate.session === session);
    if (upstream !== undefined) this.ready.delete(upstream.server);
    return upstream;
  }

  /**
   * The upstream of `server`, opened if there is none. One pinned to a version that was rolled back
   * is closed first and replaced — on /mcp/<server> the client would get 404 and open a new
   * session; here the `/mcp` session goes on and only that server's upstream is placed anew.
   */
  async upstream(server: string, principal: Principal): Promise<Upstream> {
    const ready = this.ready.get(server);
    if (ready !== undefined) {
      if (!(await this.deps.isRetired(ready.session.record.versionId))) return ready;
      if (this.ready.get(server) === ready) await ready.session.close('its version was rolled back');
      this.ready.delete(server);
    }
    let opening = this.opening.get(server);
    if (opening === undefined) {
      const attempt = this.open(server, principal);
      const clear = () => {
        if (this.opening.get(server) === attempt) this.opening.delete(server);
      };
      attempt.then(clear, clear);
      this.opening.set(server, attempt);
      opening = attempt;
    }
    return opening;
  }

  /** logging/setLevel: sent to every open upstream that logs, and to the ones opened later. */
  async setLevel(level: string): Promise<void> {
    this.logLevel = level;
    await Promise.all([...this.ready.values()].filter((upstream) => upstream.capabilities.logging !== undefined).map((upstream) => this.ask(upstream, 'logging/setLevel', { level }).catch(() => undefined)));
  }

  /** A notification for every open upstream (notifications/roots/list_changed). */
  async notifyAll(message: JsonRpcNotification): Promise<void> {
    await Promise.all([...this.ready.values()].map((upstream) => upstream.session.forward(message)));
  }

  /** A request of the gateway's own to an upstream (ids of its numbering, answered to no client stream). */
  async ask(upstream: Upstream, method: string, params: Json | undefined): Promise<Json> {
    const id = upstream.nextId++;
    const sink = new JsonAnswer(`own-${id}`);
    await upstream.session.request({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) } as JsonRpcRequest, sink);
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([sink.answer, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), OWN_REQUEST_TIMEOUT_MS)))]);
    clearTimeout(timer);
    if (answer === undefined) throw new DomainError(ErrorCode.UPSTREAM_FAILED, `${upstream.server} did not answer ${method}`);
    if (!('result' in answer)) throw new DomainError(ErrorCode.UPSTREAM_FAILED, `${upstream.server} answered ${method} with an error`);
    return answer.result as Json;
  }

  touch(): void {
    for (const upstream of this.ready.values()) {
      upstream.session.touch();
      this.deps.touch(upstream.session.sessionId);
    }
  }

  /** Ends every upstream session; one still opening is closed as soon as it opens. */
  async close(reason: string, inFlight?: CallOutcome): Promise<void> {
    this.closed = true;
    const upstreams = [...this.ready.values()];
    this.ready.clear();
    await Promise.all(upstreams.map((upstream) => upstream.session.close(reason, inFlight)));
  }

  private async open(server: string, principal: Principal): Promise<Upstream> {
    if (this.closed) throw new DomainError(ErrorCode.NOT_FOUND, 'the aggregated session has ended', { entity: 'MCP session' });
    const initialize = { jsonrpc: '2.0', id: 0, method: 'initialize', params: this.clientInitialize } as JsonRpcRequest;
    const opened = await this.deps.open(server, principal, initialize);
    if (this.closed) {
      await opened.session.close('the aggregated session ended');
      throw new DomainError(ErrorCode.NOT_FOUND, 'the aggregated session has ended', { entity: 'MCP session' });
    }
    const upstream: Upstream = { server, session: opened.session, capabilities: opened.capabilities, nextId: 1 };
    this.ready.set(server, upstream);
    this.deps.opened(server, opened.session.sessionId);
    await opened.session.forward({ jsonrpc: '2.0', method: 'notifications/initialized' } as JsonRpcNotification);
    if (this.logLevel !== undefined && upstream.capabilities.logging !== undefined) void this.ask(upstream, 'logging/setLevel', { level: this.logLevel }).catch(() => undefined);
    return upstream;
  }
}
