// Sample statistics and the side-by-side measuring loop shared by the suites.

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50/p90/p99/mean/min/max in ms and sequential requests per second, from durations in ms. */
export function summarize(samples) {
  const { sorted, total, ...latency } = describe(samples, 1, 3);
  return {
    ...latency,
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
    // Sequential: one request in flight, so this is 1000 / mean.
    rps: Math.round(samples.length / (total / 1000)),
  };
}

/**
 * n, p50/p90/p99 and mean of samples times `scale` (1000: ms → µs), with `digits` decimals: for
 * suites whose calls are too short for milliseconds.
 */
export function latencySummary(samples, { scale = 1, digits = 3 } = {}) {
  const { sorted: _sorted, total: _total, ...latency } = describe(samples, scale, digits);
  return latency;
}

function describe(samples, scale, digits) {
  const sorted = Float64Array.from(samples, (x) => x * scale).sort();
  const total = sorted.reduce((sum, x) => sum + x, 0);
  return {
    sorted,
    total,
    n: samples.length,
    p50: round(percentile(sorted, 50), digits),
    p90: round(percentile(sorted, 90), digits),
    p99: round(percentile(sorted, 99), digits),
    mean: round(total / samples.length, digits),
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

/** `count` calls of `fn` with `inFlight` of them outstanding at any time: per-call durations and the batch's wall time. */
export async function runBatch(fn, inFlight, count) {
  const durations = [];
  let started = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (started < count) {
      started += 1;
      const t = performance.now();
      await fn();
      durations.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return { durations, wallMs: performance.now() - t0 };
}

/**
 * `total` calls of `fn`, `inFlight` at a time (the calls share whatever session `fn` uses):
 * calls/s over the whole batch, p50/p99 per call.
 */
export async function inParallel(fn, inFlight, total) {
  const { durations, wallMs } = await runBatch(fn, inFlight, total);
  const stats = summarize(durations);
  return { n: stats.n, p50: stats.p50, p99: stats.p99, callsPerSecond: Math.round(total / (wallMs / 1000)) };
}

/** summarize() of each case's samples: { key: summary }. */
export function summarizeEach(samplesByCase) {
  return Object.fromEntries(Object.entries(samplesByCase).map(([key, samples]) => [key, summarize(samples)]));
}

/**
 * inParallel() for each case at each level of `inFlight` (one case after another): { [inFlight]: { key: result } }.
 * cases: { key: async () => void }.
 */
export async function measureConcurrency(cases, { inFlight, total, signal, log }) {
  const concurrency = {};
  for (const level of inFlight) {
    log(`concurrency ${level}: ${total} calls per case`);
    concurrency[level] = {};
    for (const [key, fn] of Object.entries(cases)) {
      signal.throwIfAborted();
      concurrency[level][key] = await inParallel(fn, level, total);
    }
  }
  return concurrency;
}
