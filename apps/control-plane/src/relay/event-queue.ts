/**
 * A single-consumer async queue: the producer pushes as messages arrive from NATS (which cannot
 * be slowed down), the consumer iterates at its own pace. `end` lets the consumer finish what is
 * buffered; `fail` makes the next read throw once the buffer is drained.
 */
export class EventQueue<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private waiter: { resolve(result: IteratorResult<T>): void; reject(error: Error): void } | undefined;
  private finished: { error?: Error } | undefined;
  private iterating = false;

  constructor(private readonly maxBuffered: number) {}

  get buffered(): number {
    return this.buffer.length;
  }

  /** False when the consumer is too far behind (the caller then fails the stream). */
  push(item: T): boolean {
    if (this.finished) return true;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return true;
    }
    if (this.buffer.length >= this.maxBuffered) return false;
    this.buffer.push(item);
    return true;
  }

  end(): void {
    this.finish({});
  }

  fail(error: Error): void {
    this.finish({ error });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterating) throw new Error('this stream has one consumer and it is already being read');
    this.iterating = true;
    return {
      next: () => this.next(),
      return: async () => {
        this.finish({});
        return { value: undefined, done: true };
      },
    };
  }

  private next(): Promise<IteratorResult<T>> {
    const item = this.buffer.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.finished?.error) return Promise.reject(this.finished.error);
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  private finish(how: { error?: Error }): void {
    if (this.finished) return;
    this.finished = how;
    const waiter = this.waiter;
    this.waiter = undefined;
    if (!waiter) return;
    if (how.error) waiter.reject(how.error);
    else waiter.resolve({ value: undefined, done: true });
  }
}
