/** Progress lines with timings for the demo: `  postgres      ready on 127.0.0.1:55432   612 ms`. */
export class Progress {
  readonly startedAt = performance.now();

  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  line(text: string): void {
    this.write(text);
  }

  /** Runs one step; prints its name, what `work` returns as detail, and how long it took. */
  async step<T>(name: string, work: () => Promise<T>, detail: (value: T) => string = () => 'done'): Promise<T> {
    const started = performance.now();
    try {
      const value = await work();
      this.write(`  ${name.padEnd(14)} ${detail(value).padEnd(44)} ${ms(started)}`);
      return value;
    } catch (error) {
      this.write(`  ${name.padEnd(14)} FAILED after ${ms(started)}`);
      throw error;
    }
  }

  /** Seconds since this Progress was created, e.g. "8.2 s". */
  total(): string {
    return `${((performance.now() - this.startedAt) / 1000).toFixed(1)} s`;
  }
}

function ms(since: number): string {
  return `${Math.round(performance.now() - since)} ms`.padStart(8);
}
