import { Inject, Injectable } from '@nestjs/common';
import { RequestError, type Subscription } from '@nats-io/transport-node';
import { subjects } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { NatsLink } from '../connections/nats-link.js';
import { LOGGER } from '../logging/logging.module.js';
import { handoffReplySchema, handoffRequestSchema, type HandoffReply, type HandoffRequest } from './handoff-messages.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** The holder answers at once (it never waits for a tool's result here): a slow answer means trouble. */
const HANDOFF_TIMEOUT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Hands a client's request for a session to the replica that holds it, over NATS request/reply on
 * `sy.gw.sess.<sessionId>`. The holder subscribes once per session it holds.
 */
@Injectable()
export class SessionHandoff {
  constructor(
    private readonly nats: NatsLink,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Serves a session held here; resolves once the subscription is in place (NATS has seen it). Returns the unsubscribe. */
  async serve(sessionId: string, handle: (request: HandoffRequest) => Promise<HandoffReply>): Promise<() => void> {
    const nc = await this.nats.connected(CONNECT_TIMEOUT_MS);
    const subscription: Subscription = nc.subscribe(subjects.gatewaySession(sessionId), {
      callback: (error, msg) => {
        if (error) return this.logger.warn({ sessionId, err: error.message }, 'gateway handoff subscription failed');
        void (async () => {
          let reply: HandoffReply;
          try {
            reply = await handle(handoffRequestSchema.parse(JSON.parse(decoder.decode(msg.data))));
          } catch (failure) {
            this.logger.warn({ sessionId, err: (failure as Error).message }, 'gateway handoff request failed');
            reply = { kind: 'json', status: 500, body: { jsonrpc: '2.0', error: { code: -32603, message: 'the replica holding the session failed to serve the request' } } };
          }
          msg.respond(encode(reply));
        })();
      },
    });
    await nc.flush();
    return () => subscription.unsubscribe();
  }

  /** Asks the holder; `undefined` when nobody holds the session any more (its replica is gone). */
  async forward(sessionId: string, request: HandoffRequest): Promise<HandoffReply | undefined> {
    const nc = await this.nats.connected(CONNECT_TIMEOUT_MS);
    try {
      const reply = await nc.request(subjects.gatewaySession(sessionId), encode(request), { timeout: HANDOFF_TIMEOUT_MS });
      return handoffReplySchema.parse(JSON.parse(decoder.decode(reply.data)));
    } catch (error) {
      if (error instanceof RequestError && error.isNoResponders()) return undefined;
      throw error;
    }
  }
}
