import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { JsonRpcMessage } from '@switchyard/protocol';
import type { RelayEvent, RelaySession, SendOptions } from '../src/relay/relay-session.js';

type ServerRequestHandler = (params: Record<string, unknown> | undefined) => Record<string, unknown>;
type Response = Extract<JsonRpcMessage, { result: unknown } | { error: unknown }>;

const isResponse = (message: JsonRpcMessage): message is Response => !('method' in message);

/** Polls until `find` returns something (no sleeps), failing with what was awaited. */
export async function until<T>(find: () => T | undefined, description: string, timeoutMs: number, failure: () => Error | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    const failed = failure();
    if (failed) throw new Error(`session failed while waiting for ${description}: ${failed.message}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A minimal MCP client on a RelaySession, as the gateway will drive one: numbers its requests,
 * records every event in order, answers server → client requests with the handlers it was given.
 */
export class RelayTestClient {
  readonly events: RelayEvent[] = [];
  failure: Error | undefined;
  ended = false;
  private nextId = 1;
  private readonly handlers = new Map<string, ServerRequestHandler>();

  constructor(readonly session: RelaySession) {
    void this.pump();
  }

  /** Answers the server's `method` requests (sampling/createMessage, elicitation/create, …). */
  answer(method: string, handler: ServerRequestHandler): this {
    this.handlers.set(method, handler);
    return this;
  }

  async initialize(capabilities: Record<string, unknown> = {}): Promise<Response> {
    const { response } = await this.request('initialize', { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities, clientInfo: { name: 'relay-e2e', version: '0.0.0' } });
    await this.session.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return response;
  }

  /** Sends a request and waits for its response (as long as it takes: there is no result timeout). */
  async request(method: string, params?: Record<string, unknown>, options: SendOptions = {}, timeoutMs = 20_000): Promise<{ id: number; callId: string; response: Response }> {
    const { id, callId } = await this.start(method, params, options);
    return { id, callId, response: await this.response(id, timeoutMs) };
  }

  /** Sends a request without waiting for its answer. */
  async start(method: string, params?: Record<string, unknown>, options: SendOptions = {}): Promise<{ id: number; callId: string }> {
    const id = this.nextId++;
    const { callId } = await this.session.send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }, options);
    return { id, callId };
  }

  response(id: number, timeoutMs = 20_000): Promise<Response> {
    return this.waitFor((message): message is Response => isResponse(message) && message.id === id, `the response to request ${id}`, timeoutMs);
  }

  /** Waits for the first upstream message matching `match`. */
  waitFor<T extends JsonRpcMessage>(match: (message: JsonRpcMessage) => message is T, description: string, timeoutMs?: number): Promise<T>;
  waitFor(match: (message: JsonRpcMessage) => boolean, description: string, timeoutMs?: number): Promise<JsonRpcMessage>;
  waitFor(match: (message: JsonRpcMessage) => boolean, description: string, timeoutMs = 20_000): Promise<JsonRpcMessage> {
    return until(() => this.messages().find(match), description, timeoutMs, () => this.failure);
  }

  /** Waits for any event matching `match` (call failures included). */
  waitForEvent(match: (event: RelayEvent) => boolean, description: string, timeoutMs = 20_000): Promise<RelayEvent> {
    return until(() => this.events.find(match), description, timeoutMs, () => this.failure);
  }

  /** Waits until the session has failed, and returns why. */
  failed(timeoutMs = 20_000): Promise<Error> {
    return until(() => this.failure, 'the session to fail', timeoutMs, () => undefined);
  }

  messages(): JsonRpcMessage[] {
    return this.events.flatMap((event) => (event.type === 'message' ? [event.message] : []));
  }

  private async pump(): Promise<void> {
    try {
      for await (const event of this.session.messages) {
        this.events.push(event);
        this.answerServerRequest(event);
      }
      this.ended = true;
    } catch (error) {
      this.failure = error as Error;
    }
  }

  private answerServerRequest(event: RelayEvent): void {
    if (event.type !== 'message' || !('method' in event.message) || !('id' in event.message)) return;
    const handler = this.handlers.get(event.message.method);
    if (handler === undefined) return;
    const { id, params } = event.message;
    void this.session.send({ jsonrpc: '2.0', id, result: handler(params) }).catch((error: Error) => (this.failure ??= error));
  }
}
