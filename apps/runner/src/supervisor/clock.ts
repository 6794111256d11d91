/**
 * Time as the supervisor sees it. Injected so that backoff, the healthy-reset window and the
 * SIGKILL grace period can be tested without waiting for real seconds (STYLE.md: time and
 * randomness come in as parameters).
 */
export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; the returned function cancels it. */
  schedule(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

/** A random number in [0, 1), like Math.random. */
export type Rng = () => number;
