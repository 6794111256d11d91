/**
 * How long the NATS client waits before each reconnect attempt: jittered exponential backoff.
 *
 * nats.js asks for the delay on every turn of its dial loop, also while it waits, and dials once
 * `last attempt + delay <= now` (reconnectDelayHandler). So the delay must not grow smoothly with
 * time — a wait proportional to the time disconnected would keep moving its own finish line away.
 * It is a step function of the time spent disconnected: `factor × base × 2^k` for the k-th
 * doubling of `base` that has passed (at most `max`), which yields attempts about twice as far
 * apart each time. `factor`, drawn from [0.5, 1) once per disconnection, spreads runners cut off
 * together: they do not all knock on a restarted server in the same instant.
 */
export class ReconnectBackoff {
  private disconnectedAt: number | undefined;
  private factor = 1;

  constructor(
    private readonly options: { baseMs: number; maxMs: number; now: () => number; rng: () => number },
  ) {}

  /** The reconnectDelayHandler: the wait before the next attempt, in ms. */
  nextDelay(): number {
    const { baseMs, maxMs, now, rng } = this.options;
    const at = now();
    if (this.disconnectedAt === undefined) {
      this.disconnectedAt = at;
      this.factor = 0.5 + rng() / 2;
    }
    const elapsed = at - this.disconnectedAt;
    const doublings = elapsed < baseMs ? 0 : Math.floor(Math.log2(elapsed / baseMs));
    return Math.round(this.factor * Math.min(maxMs, baseMs * 2 ** doublings));
  }

  /** Connected again: the next disconnection starts from the base delay with a new factor. */
  reset(): void {
    this.disconnectedAt = undefined;
  }
}
