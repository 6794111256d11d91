import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** How a relay call's acknowledgement request ended. */
export type AckOutcome = { kind: 'reply'; msg: Msg } | { kind: 'no-responders' } | { kind: 'timeout' } | { kind: 'closed' };

interface Waiting {
  settle: (outcome: AckOutcome) => void;
  timer: NodeJS.Timeout;
}

/**
 * Request/reply for the relay's calls, one per relayed message. Not nats.js's `request()`: on every
 * successful request it builds a `RequestError` it never throws (its cancel rejects the already
 * settled promise with a new Error, stack trace and all), which was the largest single function in
 * the gateway's profile. Here: one subscription on a private inbox, replies matched by a token in
 * the reply subject, one timer per request. nats-server answers a request nobody listens for with an
 * empty 503 status message on the reply subject: `no-responders`.
 */
export class AckRequests {
  private readonly prefix = `${createInbox()}.`;
  private readonly subscription: Subscription;
  private readonly waiting = new Map<string, Waiting>();
  private next = 0;
  private closed = false;

  constructor(private readonly nc: NatsConnection) {
    this.subscription = nc.subscribe(`${this.prefix}*`, { callback: (error, msg) => (error ? this.close() : this.reply(msg)) });
    void nc.closed().then(() => this.close());
  }

  /** Publishes `data` on `subject` and resolves how its reply came, within `timeoutMs`. */
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<AckOutcome> {
    if (this.closed) return Promise.resolve({ kind: 'closed' });
    this.next += 1;
    const token = this.next.toString(36);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle(token, { kind: 'timeout' }), timeoutMs);
      this.waiting.set(token, { settle: resolve, timer });
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}${token}` });
      } catch (error) {
        clearTimeout(timer);
        this.waiting.delete(token);
        reject(error as Error);
      }
    });
  }

  /** Every request still waiting ends as `closed`; no more are taken. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.nc.isClosed()) this.subscription.unsubscribe();
    for (const token of [...this.waiting.keys()]) this.settle(token, { kind: 'closed' });
  }

  get inFlight(): number {
    return this.waiting.size;
  }

  private reply(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    const noResponders = msg.data.length === 0 && msg.headers?.hasError === true && msg.headers.code === 503;
    this.settle(token, noResponders ? { kind: 'no-responders' } : { kind: 'reply', msg });
  }

  private settle(token: string, outcome: AckOutcome): void {
    const waiting = this.waiting.get(token);
    if (waiting === undefined) return; // a reply after its timeout
    this.waiting.delete(token);
    clearTimeout(waiting.timer);
    waiting.settle(outcome);
  }
}
