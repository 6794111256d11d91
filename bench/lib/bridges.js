// The pieces the gateway-bridges suite adds to the shared bench lib: stdio→HTTP bridge (and other
// HTTP server) processes on a free loopback port, and a concurrency loop that interleaves the
// cases so load and drift hit them all alike.
import { spawn } from 'node:child_process';
import { cpuByLabel, cpuDelta } from './process-cpu.js';
import { createServer } from 'node:net';
import { percentile, round, runBatch } from './stats.js';

// gateway-bridges.js imports runBatch from here; it lives in stats.js beside inParallel, built on it.
export { runBatch };

/** A TCP port free on 127.0.0.1 right now (the OS picks it; the child binds it a moment later). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns an HTTP server process (node `args`, extra `env`) and resolves once `ready()` succeeds
 * (e.g. an MCP client connects); retried while the process is alive, for at most 20 s, since
 * these tools print no dependable "listening" line. The process is stopped by the cleanups.
 */
export async function startHttpProcess({ name, args, env = {}, ready, defer, signal }) {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  defer(name, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  const deadline = performance.now() + 20_000;
  for (;;) {
    signal?.throwIfAborted();
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
    try {
      return { pid: child.pid, value: await ready() };
    } catch (error) {
      if (performance.now() > deadline) throw new Error(`${name} not ready within 20 s: ${error.message}; stderr: ${stderr}`);
      // Not listening yet: wait for the process to get further (a connection refusal returns at once).
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * For each level of `inFlight`: a warm-up batch per case, then rounds in which every case runs one
 * batch of `roundCalls(level)` calls with `level` in flight, the order of the cases rotated each
 * round. A level stops at a round boundary once `budgetMs` is spent (the counts stay equal).
 * calls/s = calls / the summed wall time of the case's batches. With `cpuLabel` (process-cpu.js),
 * the CPU every process of the tree spent during a case's batches is added up too, per label:
 * `cpuUsPerCall` { total, <label>: µs per call }.
 * Resolves { [level]: { [key]: { n, p50, p90, p99, mean, callsPerSecond, cpuUsPerCall? } }, truncated: [levels] }.
 */
export async function measureInterleavedConcurrency(cases, { levels, callsPerLevel, roundCalls, warmup, budgetMs, signal, log, cpuLabel }) {
  const keys = Object.keys(cases);
  const results = {};
  const truncated = [];
  for (const level of levels) {
    const perRound = roundCalls(level);
    const rounds = Math.ceil(callsPerLevel / perRound);
    log(`concurrency ${level}: ${warmup} warm-up + up to ${rounds} rounds of ${perRound} calls per case, interleaved`);
    for (const key of keys) await runBatch(cases[key], level, warmup);
    const samples = Object.fromEntries(keys.map((key) => [key, { durations: [], wallMs: 0, cpuMs: cpuLabel ? {} : undefined }]));
    const started = performance.now();
    for (let r = 0; r < rounds; r++) {
      if (r > 0 && performance.now() - started > budgetMs) {
        truncated.push(level);
        break;
      }
      for (let k = 0; k < keys.length; k++) {
        const key = keys[(r + k) % keys.length];
        signal?.throwIfAborted();
        const before = cpuLabel ? cpuByLabel(cpuLabel) : undefined;
        const batch = await runBatch(cases[key], level, perRound);
        samples[key].durations.push(...batch.durations);
        samples[key].wallMs += batch.wallMs;
        if (before) for (const [label, ms] of Object.entries(cpuDelta(before, cpuByLabel(cpuLabel)))) samples[key].cpuMs[label] = (samples[key].cpuMs[label] ?? 0) + ms;
      }
    }
    results[level] = Object.fromEntries(keys.map((key) => [key, describeBatch(samples[key])]));
  }
  return { results, truncated };
}

function describeBatch({ durations, wallMs, cpuMs }) {
  const sorted = Float64Array.from(durations).sort();
  const total = sorted.reduce((sum, x) => sum + x, 0);
  const perCall = (ms) => Math.round((ms * 1000) / sorted.length);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    mean: round(total / sorted.length),
    callsPerSecond: Math.round(sorted.length / (wallMs / 1000)),
    ...(cpuMs === undefined
      ? {}
      : {
          cpuUsPerCall: {
            total: perCall(Object.values(cpuMs).reduce((sum, ms) => sum + ms, 0)),
            ...Object.fromEntries(Object.entries(cpuMs).filter(([, ms]) => perCall(ms) > 0).sort(([, a], [, b]) => b - a).map(([label, ms]) => [label, perCall(ms)])),
          },
        }),
  };
}
