// Sample statistics and the side-by-side measuring loop shared by the suites.

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50/p90/p99/mean/min/max in ms and sequential requests per second, from durations in ms. */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const total = samples.reduce((sum, x) => sum + x, 0);
  return {
    n: samples.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    mean: round(total / samples.length),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
    // Sequential: one request in flight, so this is 1000 / mean.
    rps: Math.round(samples.length / (total / 1000)),
  };
}

/** a / b for each latency statistic, two decimals. */
export function ratios(a, b) {
  const out = {};
  for (const key of ['p50', 'p90', 'p99', 'mean']) out[key] = Math.round((a[key] / b[key]) * 100) / 100;
  return out;
}

export function round(x, digits = 3) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Runs every case the same number of times, sequentially, interleaved: after a warm-up of each,
 * rounds of `roundSize` calls per case, with the order of the cases rotated every round, so slow
 * drift (GC, JIT, caches, a noisy neighbour) hits them all alike rather than whichever ran last.
 * Stops early at a round boundary once `budgetMs` is spent, so the counts stay equal.
 *
 * cases: { key: async () => void } — each call throws if the answer is wrong.
 */
export async function measureSideBySide(cases, { iterations, warmup, roundSize = 100, budgetMs, signal }) {
  const keys = Object.keys(cases);
  for (const key of keys) {
    for (let i = 0; i < warmup; i++) {
      signal?.throwIfAborted();
      await cases[key]();
    }
  }
  const samples = Object.fromEntries(keys.map((key) => [key, []]));
  const started = performance.now();
  const rounds = Math.ceil(iterations / roundSize);
  let truncated = false;
  for (let round = 0; round < rounds; round++) {
    if (round > 0 && performance.now() - started > budgetMs) {
      truncated = true;
      break;
    }
    const size = Math.min(roundSize, iterations - round * roundSize);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[(round + k) % keys.length];
      const fn = cases[key];
      const out = samples[key];
      signal?.throwIfAborted();
      for (let i = 0; i < size; i++) {
        const t0 = performance.now();
        await fn();
        out.push(performance.now() - t0);
      }
    }
  }
  return {
    samples,
    truncated,
    wallMs: Math.round(performance.now() - started),
  };
}
