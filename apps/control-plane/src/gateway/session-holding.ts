import { DomainError, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { JsonAnswer, type ClientStream } from './client-stream.js';
import type { EventLog } from './event-log.js';
import type { GatewayReply } from './gateway-reply.js';
import type { HandoffReply, HandoffRequest } from './handoff-messages.js';
import type { ResponseMode } from './http-checks.js';
import { JsonRpcCode } from './json-rpc-errors.js';
import { refuse, refuseWith, Refusal } from './refusal.js';
import type { SessionHandoff } from './session-handoff.js';

/**
 * What a session held by this replica offers the code that serves it, to this replica's clients or
 * to another replica's (docs/gateway.md, "Serving a session from another replica"): a GatewaySession
 * of `/mcp/<server>` or an AggregateSession of `/mcp`.
 */
export interface HeldSession {
  readonly sessionId: string;
  readonly isOpen: boolean;
  /** The session's GET stream. */
  readonly standalone: ClientStream;
  readonly record: { protocolVersion: string };
  stream(streamId: string): ClientStream | undefined;
  /**
   * A new stream for a request's answer (`sse` false: only its log, for another replica that waits
   * for one JSON body; `adaptive`: one JSON body or SSE, as the answer comes, see ClientStream).
   */
  newRequestStream(sse?: boolean, adaptive?: boolean): ClientStream;
  /** A client notification or answer, passed on upstream. */
  forward(message: JsonRpcNotification | Exclude<JsonRpcMessage, JsonRpcRequest | JsonRpcNotification>): Promise<void>;
}

/** What the holder of a session answers, before it is turned into HTTP here or a handoff reply. */
export type HolderReply = Extract<GatewayReply, { kind: 'json' | 'empty' }> | { kind: 'stream'; stream: ClientStream; prime: boolean };

/** How log lines name the sessions, e.g. `{ one: 'a gateway session', kind: 'session' }`. */
export interface HeldSessionNames {
  one: string;
  kind: string;
}

/**
 * The sessions this replica holds, and the hand-over between replicas: a held session is served
 * to other replicas over NATS; a session held elsewhere is reached through its holder, whose
 * streams this replica follows in the Redis event log.
 */
export class SessionHolding<S extends HeldSession> {
  private readonly local = new Map<string, S>();
  /** Ends the handoff subscription of each session held here. */
  private readonly unserve = new Map<string, () => void>();

  constructor(
    private readonly deps: {
      handoff: SessionHandoff;
      eventLog: EventLog;
      /** The session records in Redis: a record whose holder is gone is removed. */
      records: { remove(sessionId: string): Promise<void> };
      log: Logger;
      names: HeldSessionNames;
    },
  ) {}

  get size(): number {
    return this.local.size;
  }

  get(sessionId: string): S | undefined {
    return this.local.get(sessionId);
  }

  values(): IterableIterator<S> {
    return this.local.values();
  }

  /**
   * Holds `session` here. Other replicas reach it over NATS from now on (`host` serves their
   * requests); without NATS it is served by this replica only.
   */
  async hold(session: S, host: (request: HandoffRequest) => Promise<HandoffReply>): Promise<void> {
    this.local.set(session.sessionId, session);
    try {
      const unserve = await this.deps.handoff.serve(session.sessionId, host);
      if (session.isOpen) this.unserve.set(session.sessionId, unserve);
      else unserve();
    } catch (error) {
      this.deps.log.warn({ sessionId: session.sessionId, err: (error as Error).message }, `${this.deps.names.kind} not reachable from other replicas (no NATS)`);
    }
  }

  /** The session ended: no longer held here, nor served to other replicas. */
  ended(session: S): void {
    if (this.local.get(session.sessionId) !== session) return;
    this.local.delete(session.sessionId);
    this.unserve.get(session.sessionId)?.();
    this.unserve.delete(session.sessionId);
  }

  /** Hands a request to the replica holding the session; a holder that is gone means the session is. */
  async forward(record: { sessionId: string; replicaId: string }, request: HandoffRequest): Promise<HandoffReply> {
    const reply = await this.deps.handoff.forward(record.sessionId, request);
    if (reply !== undefined) return reply;
    this.deps.log.warn({ sessionId: record.sessionId, holder: record.replicaId }, `the replica holding ${this.deps.names.one} is gone: session ended`);
    await this.deps.records.remove(record.sessionId);
    throw refuse(404, JsonRpcCode.SESSION_NOT_FOUND, 'Session not found (the replica holding it is gone)');
  }

  /** A holder's reply as this replica's HTTP answer: streams are followed in the Redis log. */
  async followed(sessionId: string, reply: HandoffReply, sse: boolean): Promise<GatewayReply> {
    const headers = { 'mcp-session-id': sessionId };
    if (reply.kind !== 'stream') return { ...reply, headers: { ...(reply.kind === 'json' ? reply.headers : {}), ...headers } } as GatewayReply;
    if (sse) return { kind: 'sse-follow', sessionId, streamId: reply.streamId, afterSeq: reply.afterSeq, prime: reply.prime, headers };
    const done = new AbortController();
    try {
      for await (const event of this.deps.eventLog.follow(sessionId, reply.streamId, reply.afterSeq, done.signal)) {
        if (!('method' in event.message)) return { kind: 'json', status: 200, body: event.message, headers };
      }
    } finally {
      done.abort();
    }
    return { kind: 'empty', status: 202, headers };
  }
}

/** 2025-11-25 clients resume a stream from a priming event; older ones do not expect it. */
export function primes(record: { protocolVersion: string }): boolean {
  return record.protocolVersion >= '2025-11-25';
}

/** A client notification or answer for a session held here: 202 once passed on, or the refusal. */
export async function forwardHere(session: HeldSession, message: Parameters<HeldSession['forward']>[0]): Promise<HolderReply> {
  try {
    await session.forward(message);
  } catch (error) {
    if (error instanceof DomainError) return refuseWith(error).reply as HolderReply;
    throw error;
  }
  return { kind: 'empty', status: 202 };
}

/**
 * Where a request's answer goes: a new stream of the session for an SSE client, and for any
 * request handed over by another replica (`remote`: it reads the answer from the stream's log,
 * SSE or not); one JSON body otherwise.
 */
/** Ids of one-body answers (a request's id in its session's routing; unique in the process). */
let jsonAnswers = 0;

export function answerSink(session: HeldSession, mode: ResponseMode, remote: boolean): ClientStream | JsonAnswer {
  if (remote) return session.newRequestStream(mode !== 'json');
  if (mode !== 'json') return session.newRequestStream(true, mode === 'either');
  jsonAnswers += 1;
  return new JsonAnswer(`j${jsonAnswers.toString(36)}`);
}

/** The holder's reply once a request is on its way: the JSON answer (202 if none), or the stream. */
export async function replyWhenSent(session: HeldSession, sink: ClientStream | JsonAnswer): Promise<HolderReply> {
  if (sink instanceof JsonAnswer) {
    const answer = await sink.answer;
    return answer === undefined ? { kind: 'empty', status: 202 } : { kind: 'json', status: 200, body: answer };
  }
  return { kind: 'stream', stream: sink, prime: primes(session.record) };
}

/**
 * A GET of a session held here: its GET stream, or a stream resumed after Last-Event-ID. A request
 * stream that has finished is no longer kept by the session: given `eventLog`, it is replayed from
 * its log while that lives (a `sse-follow` reply reads it to its end marker).
 */
export async function getHere(session: HeldSession, resume: { streamId: string; seq: number } | undefined, eventLog?: Pick<EventLog, 'exists'>): Promise<GatewayReply> {
  const headers = { 'mcp-session-id': session.sessionId };
  if (resume !== undefined) {
    const stream = session.stream(resume.streamId);
    if (stream !== undefined) return { kind: 'sse', sessionId: session.sessionId, stream, prime: false, resumeAfter: resume.seq, headers };
    if (eventLog !== undefined && (await eventLog.exists(session.sessionId, resume.streamId))) {
      return { kind: 'sse-follow', sessionId: session.sessionId, streamId: resume.streamId, afterSeq: resume.seq, prime: false, headers };
    }
    throw refuse(400, JsonRpcCode.SERVER_ERROR, `Bad Request: Last-Event-ID ${resume.streamId}.${resume.seq} names no stream of this session`);
  }
  if (session.standalone.connected) throw refuse(409, JsonRpcCode.SERVER_ERROR, 'Conflict: this session already has a GET stream open');
  return { kind: 'sse', sessionId: session.sessionId, stream: session.standalone, prime: primes(session.record), headers };
}

/** The holder's answer to this replica's own client. */
export function asHttp(session: HeldSession, reply: HolderReply): GatewayReply {
  const headers = { 'mcp-session-id': session.sessionId };
  if (reply.kind === 'stream') return { kind: 'sse', sessionId: session.sessionId, stream: reply.stream, prime: reply.prime, headers };
  return { ...reply, headers: { ...reply.headers, ...headers } };
}

/**
 * The holder's side of a hand-over, once the caller has checked that the request may reach the
 * session: the same operations as for its own clients, with streams handed over by their log.
 */
export async function hostHandedOver(
  session: HeldSession,
  request: HandoffRequest,
  ops: { post: (message: JsonRpcMessage, sse: boolean, traceparent: string | undefined) => Promise<HolderReply>; delete: () => Promise<void>; eventLog?: Pick<EventLog, 'exists'> },
): Promise<HandoffReply> {
  try {
    switch (request.op) {
      case 'post': {
        const reply = await ops.post(request.message, request.sse, request.traceparent);
        if (reply.kind !== 'stream') return reply;
        return { kind: 'stream', streamId: reply.stream.streamId, afterSeq: reply.stream.handOver(), prime: reply.prime, sse: reply.stream.sse };
      }
      case 'get': {
        const reply = await getHere(session, request.resume, ops.eventLog);
        if (reply.kind === 'sse-follow') return { kind: 'stream', streamId: reply.streamId, afterSeq: reply.afterSeq, prime: false, sse: true };
        if (reply.kind !== 'sse') return reply as HandoffReply;
        return { kind: 'stream', streamId: reply.stream.streamId, afterSeq: reply.resumeAfter ?? reply.stream.handOver(), prime: reply.prime, sse: true };
      }
      case 'delete':
        await ops.delete();
        return { kind: 'empty', status: 200 };
    }
  } catch (error) {
    if (error instanceof Refusal && error.reply.kind !== 'sse' && error.reply.kind !== 'sse-follow') return error.reply as HandoffReply;
    throw error;
  }
}
