import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  encode,
  NATS_DEFAULT_MAX_PAYLOAD,
  RUNNER_PROTOCOL_VERSION,
  splitForPublish,
  subjects,
  upstreamMessageSchema,
  type UpstreamMessage,
} from '@switchyard/protocol';
import type { Logger } from 'pino';

/** An upstream message before the publisher stamps the protocol version on it. */
export type UpstreamMessageBody = UpstreamMessage extends infer M ? (M extends UpstreamMessage ? Omit<M, 'v'> : never) : never;

/**
 * Publishes upstream messages on the runner's own `sy.cp.<id>.msg` (never a reply subject: a
 * reply takes one message, a call streams many). A message above the server's max_payload goes
 * out as chunk frames; NATS delivers one publisher's messages in order, and the control plane
 * reassembles them with a ChunkAssembler per runner.
 */
export class UpstreamPublisher {
  private readonly subject: string;

  constructor(
    private readonly nc: NatsConnection,
    runnerId: string,
    private readonly logger: Logger,
    /** Override of the server's max_payload (tests); by default the value the server announced. */
    private readonly maxPayload?: number,
  ) {
    this.subject = subjects.cpMessages(runnerId);
  }

  publish(body: UpstreamMessageBody): void {
    const bytes = this.encoded(body);
    if (bytes === undefined) return;
    // The server's limit applies to payload plus headers; these publishes carry no headers.
    const maxChunkBytes = this.maxPayload ?? this.nc.info?.max_payload ?? NATS_DEFAULT_MAX_PAYLOAD;
    try {
      for (const piece of splitForPublish(bytes, { id: randomUUID(), maxChunkBytes })) this.nc.publish(this.subject, piece);
    } catch (error) {
      // Closed or draining connection: the message is lost, and so is the session's order. The
      // control plane learns of the runner's loss from NATS itself and fails the session.
      this.logger.error({ sessionId: body.sessionId, seq: body.seq, err: (error as Error).message }, 'could not publish an upstream message');
    }
  }

  /**
   * The message as bytes. The upstream is the SDK's reader, which already checked the JSON-RPC
   * envelope; a message our stricter schema still refuses is replaced by an error in its place
   * (same seq), so the control plane neither stalls on a gap nor relays what a client would refuse.
   */
  private encoded(body: UpstreamMessageBody): Uint8Array | undefined {
    try {
      return encode(upstreamMessageSchema, { v: RUNNER_PROTOCOL_VERSION, ...body });
    } catch (error) {
      if (body.kind !== 'message') {
        this.logger.error({ sessionId: body.sessionId, err: (error as Error).message }, 'could not encode an upstream message');
        return undefined;
      }
      this.logger.warn({ sessionId: body.sessionId, seq: body.seq }, 'upstream sent a message that is not valid JSON-RPC for MCP; relaying an error instead');
      const { message: _dropped, ...envelope } = body;
      return encode(upstreamMessageSchema, {
        ...envelope,
        v: RUNNER_PROTOCOL_VERSION,
        kind: 'error',
        error: { code: 'INVALID_UPSTREAM_MESSAGE', message: 'the server sent a message that is not valid MCP JSON-RPC' },
      });
    }
  }
}
