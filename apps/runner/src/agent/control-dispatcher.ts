import { controlMessageSchema, decode, type ControlMessage } from '@switchyard/protocol';
import type { Logger } from 'pino';

export type ControlType = ControlMessage['type'];
export type ControlMessageOf<T extends ControlType> = Extract<ControlMessage, { type: T }>;
export type ControlHandler<T extends ControlType = ControlType> = (message: ControlMessageOf<T>) => void | Promise<void>;

/**
 * Decodes what arrives on `sy.run.<id>.ctl` and hands each message to the handlers of its type,
 * one message at a time in arrival order: an assignment must not overtake the secrets sent
 * before it. A handler's failure is logged and does not stop the next message.
 */
export class ControlDispatcher {
  private readonly handlers = new Map<ControlType, Set<(message: ControlMessage) => void | Promise<void>>>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly logger: Logger) {}

  on<T extends ControlType>(type: T, handler: ControlHandler<T>): () => void {
    const set = this.handlers.get(type) ?? new Set();
    this.handlers.set(type, set);
    // Only messages of `type` reach this set (see handle), so the narrowing is sound.
    const wrapped = (message: ControlMessage) => handler(message as ControlMessageOf<T>);
    set.add(wrapped);
    return () => set.delete(wrapped);
  }

  /** Queues one received message; resolves when it (and everything before it) was handled. */
  receive(data: Uint8Array): Promise<void> {
    this.queue = this.queue.then(() => this.handle(data));
    return this.queue;
  }

  private async handle(data: Uint8Array): Promise<void> {
    let message: ControlMessage;
    try {
      message = decode(controlMessageSchema, data);
    } catch (error) {
      // Never the payload itself: a secrets message carries secret values.
      this.logger.warn({ err: (error as Error).message, bytes: data.byteLength }, 'ignoring an invalid control message');
      return;
    }
    const handlers = [...(this.handlers.get(message.type) ?? [])];
    if (handlers.length === 0) {
      this.logger.warn({ type: message.type }, 'no handler for this control message type');
      return;
    }
    for (const handler of handlers) {
      try {
        await handler(message);
      } catch (error) {
        this.logger.error({ type: message.type, err: (error as Error).message }, 'control message handler failed');
      }
    }
  }
}
