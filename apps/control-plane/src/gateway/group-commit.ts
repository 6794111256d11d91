/**
 * Group commit with two lanes, at most one write in flight. Urgent items (a caller waits for them:
 * the audit row written before a call is dispatched) go out at once, or in the next write when one
 * is in flight. Lazy items (nobody waits: a row's completion) ride along with the next write, or go
 * alone `lazyDelayMs` after the first of them when no urgent item comes. Under load many calls share
 * one round trip; a lone caller pays one write, which also carries the completions of the calls
 * before it. Each item's promise resolves when the write holding it has committed, and rejects with
 * its error; a failed write that held both lanes is retried lane by lane, so that one lane's bad
 * item does not fail the other's. No I/O here: `write` is given.
 */
export class GroupCommit<U, L = never> {
  private urgent: Array<Pending<U>> = [];
  private lazy: Array<Pending<L>> = [];
  private writing = false;
  private scheduled = false;
  /** Cancels the scheduled write of lazy items, while one is scheduled. */
  private cancelLater: (() => void) | undefined;
  /** flush() asked for the lazy items to go now. */
  private hurry = false;
  /** Every submitted item's promise until it settles, for flush(). */
  private readonly outstanding = new Set<Promise<void>>();

  constructor(
    private readonly write: (urgent: U[], lazy: L[]) => Promise<void>,
    private readonly options: { lazyDelayMs?: number; maxBatch?: number } = {},
  ) {}

  submit(item: U): Promise<void> {
    return this.track(
      new Promise((resolve, reject) => {
        this.urgent.push({ item, resolve, reject });
        this.scheduleNow();
      }),
    );
  }

  submitLazy(item: L): Promise<void> {
    return this.track(
      new Promise((resolve, reject) => {
        this.lazy.push({ item, resolve, reject });
        this.scheduleLater();
      }),
    );
  }

  /** Sends the lazy items now too; resolves once everything submitted so far has been written (or failed). */
  async flush(): Promise<void> {
    const waiting = [...this.outstanding];
    this.hurry = true;
    if (this.urgent.length > 0 || this.lazy.length > 0) this.scheduleNow();
    await Promise.allSettled(waiting);
  }

  private track(promise: Promise<void>): Promise<void> {
    this.outstanding.add(promise);
    const forget = () => void this.outstanding.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /**
   * Items submitted in the same turn of the event loop share the first write too: the write waits
   * for the end of the turn's I/O callbacks (setImmediate), so requests read from several
   * connections at once go out as one statement — microseconds later, and far fewer statements
   * when many clients call at once.
   */
  private scheduleNow(): void {
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  /** Lazy items wait for a write in flight, else `lazyDelayMs` (0: the end of this turn of the event loop). */
  private scheduleLater(): void {
    if (this.writing || this.scheduled || this.cancelLater !== undefined) return;
    const delay = this.options.lazyDelayMs ?? 0;
    const run = () => {
      this.cancelLater = undefined;
      void this.run();
    };
    if (delay > 0) {
      const timer = setTimeout(run, delay);
      this.cancelLater = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(run);
      this.cancelLater = () => clearImmediate(immediate);
    }
  }

  private async run(): Promise<void> {
    if (this.writing || (this.urgent.length === 0 && this.lazy.length === 0)) return;
    this.cancelLater?.();
    this.cancelLater = undefined;
    this.writing = true;
    const max = this.options.maxBatch ?? 500;
    const urgent = this.urgent.splice(0, max);
    const lazy = this.lazy.splice(0, max);
    try {
      if (urgent.length > 0 && lazy.length > 0) {
        const together = await settle(this.write(items(urgent), items(lazy)));
        if (together.ok) return done(urgent, lazy);
        await this.writeLane(urgent, (batch) => this.write(batch, []));
        await this.writeLane(lazy, (batch) => this.write([], batch));
      } else if (urgent.length > 0) await this.writeLane(urgent, (batch) => this.write(batch, []));
      else await this.writeLane(lazy, (batch) => this.write([], batch));
    } finally {
      this.writing = false;
      if (this.urgent.length === 0 && this.lazy.length === 0) this.hurry = false;
      else if (this.urgent.length > 0 || this.hurry) this.scheduleNow();
      else this.scheduleLater();
    }
  }

  private async writeLane<T>(lane: Array<Pending<T>>, write: (batch: T[]) => Promise<void>): Promise<void> {
    const result = await settle(write(items(lane)));
    if (result.ok) done(lane);
    else for (const entry of lane) entry.reject(result.error);
  }
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const items = <T>(lane: Array<Pending<T>>): T[] => lane.map((entry) => entry.item);

function done(...lanes: Array<Array<Pending<unknown>>>): void {
  for (const lane of lanes) for (const entry of lane) entry.resolve();
}

async function settle(write: Promise<void>): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    await write;
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}
