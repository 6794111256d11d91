// Policy router decision cost, and how the bandits do on a workload that changes under them.
//
// Part 1 — route() decisions, measured side by side in one process, interleaved:
//   weighted-60        fixed weights (canary), 3 nodepools × 20 runners × 3 arms
//   thompson-60        discounted Thompson with precomputed preferences (how the control plane runs it)
//   weighted-100       fixed weights, 5 nodepools × 20 runners × 3 arms (the 3 arms × 100 runners)
//   thompson-100       Thompson, precomputed preferences, 100 runners
//   weighted-100-cold  as weighted-100, but a new candidates array every time (per-snapshot cache misses)
//   thompson-inline-60 Thompson computing its Monte Carlo preferences inside every decision (no cache)
// plus computeArmPreferences alone (the periodic refresh the cached cases rely on).
// Every world has a residency rule removing one nodepool, a failover order, and two ejected
// runners, so each decision runs every stage. route() is synchronous: each call is timed alone
// with performance.now(), and a separate tight loop gives decisions per second without the timer.
//
// Part 2 — cumulative regret on a simulated non-stationary Bernoulli workload (the best version
// changes mid-run): discounted Thompson vs UCB1 vs ε-greedy vs a fixed 50/50 split, all through
// the same armShares + floors code the router uses.
import { latencySummary, round } from '../lib/stats.js';
import { formatTable, latencyColumns } from '../lib/table.js';

export const description = 'route() µs per decision (weights vs Thompson, 60 and 100 runners × 3 arms) and bandit regret on a changing workload';
export const timeoutMs = 120_000;

const SETTINGS = {
  iterations: 20_000,
  warmup: 2_000,
  /** Calls per case per interleaved round. */
  roundSize: 500,
  /** The inline-Thompson case costs ~1000× more; it gets this share of the iterations. */
  inlineShare: 0.05,
  throughputCalls: 50_000,
  regret: { decisions: 20_000, decisionsPerSecond: 10, switchAt: 10_000, rates: [0.9, 0.8] },
};
/** --smoke: short warm-up, rounds and throughput loops, a tenth of the regret simulation. */
const SMOKE = { warmup: 100, roundSize: 20, throughputCalls: 1_000, regret: { ...SETTINGS.regret, decisions: 2_000, switchAt: 1_000 } };

export async function run({ signal, log, iterations = SETTINGS.iterations, smoke = false }) {
  const settings = smoke ? { ...SETTINGS, ...SMOKE } : SETTINGS;
  const router = await import('@switchyard/router');
  const now = 1_000_000;

  const worlds = {
    60: buildWorld(router, { pools: 3, runnersPerPool: 20, arms: 3, now }),
    100: buildWorld(router, { pools: 5, runnersPerPool: 20, arms: 3, now }),
  };
  const cases = {
    'weighted-60': { snapshot: worlds[60].weighted },
    'thompson-60': { snapshot: worlds[60].thompsonCached },
    'weighted-100': { snapshot: worlds[100].weighted },
    'thompson-100': { snapshot: worlds[100].thompsonCached },
    // A new candidates array each time: the per-snapshot cache misses and everything is rebuilt,
    // as on the first decision after a deployment or policy change.
    'weighted-100-cold': { snapshot: worlds[100].weighted, cold: true },
    'thompson-inline-60': { snapshot: worlds[60].thompsonInline, share: settings.inlineShare },
  };

  // Check each case once, thoroughly: it decides, stays in the allowed places, and uses the
  // shares source we think it does.
  for (const [name, c] of Object.entries(cases)) {
    const decision = router.route({}, c.snapshot, { now, rng: router.seededRng(1) });
    if (!decision.ok) throw new Error(`${name}: refused: ${decision.message}`);
    if (decision.nodepoolId === 'np-forbidden') throw new Error(`${name}: routed into the forbidden nodepool`);
    const expected = name.startsWith('weighted') ? 'weights' : name.includes('inline') ? 'computed-preferences' : 'cached-preferences';
    if (decision.trace.sharesSource !== expected) throw new Error(`${name}: shares from ${decision.trace.sharesSource}, expected ${expected}`);
    c.rng = router.seededRng(name.length);
  }

  log(`measuring: ${settings.warmup} warm-up + ${iterations} decisions per case (inline Thompson: ${Math.round(iterations * settings.inlineShare)}), interleaved`);
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const keys = Object.keys(cases);
  for (const key of keys) {
    const c = cases[key];
    const n = Math.max(10, Math.round(settings.warmup * (c.share ?? 1)));
    for (let i = 0; i < n; i++) router.route({}, c.cold ? { ...c.snapshot, candidates: c.snapshot.candidates.slice() } : c.snapshot, { now, rng: c.rng });
  }
  const rounds = Math.ceil(iterations / settings.roundSize);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < keys.length; k++) {
      signal.throwIfAborted();
      const key = keys[(r + k) % keys.length];
      const c = cases[key];
      const size = Math.max(1, Math.round(Math.min(settings.roundSize, iterations - r * settings.roundSize) * (c.share ?? 1)));
      const out = samples[key];
      for (let i = 0; i < size; i++) {
        const snapshot = c.cold ? { ...c.snapshot, candidates: c.snapshot.candidates.slice() } : c.snapshot;
        const t0 = performance.now();
        const d = router.route({}, snapshot, { now, rng: c.rng });
        const t1 = performance.now();
        if (!d.ok) throw new Error(`${key}: refused mid-run: ${d.message}`);
        out.push((t1 - t0) * 1000);
      }
    }
  }

  log(`throughput: ${settings.throughputCalls} back-to-back decisions per case (inline Thompson: fewer)`);
  const throughput = {};
  for (const key of keys) {
    signal.throwIfAborted();
    const c = cases[key];
    const n = Math.max(100, Math.round(settings.throughputCalls * (c.share ?? 1) * 0.2));
    const calls = key.includes('inline') ? n : settings.throughputCalls;
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) router.route({}, c.cold ? { ...c.snapshot, candidates: c.snapshot.candidates.slice() } : c.snapshot, { now, rng: c.rng });
    throughput[key] = Math.round(calls / ((performance.now() - t0) / 1000));
  }

  log('computeArmPreferences (Thompson, 3 arms, default draws): the periodic refresh');
  const refresh = [];
  const policy = worlds[60].thompsonInline.armPolicy;
  const versionIds = worlds[60].thompsonInline.arms.map((a) => a.versionId);
  const refreshRng = router.seededRng(5);
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    router.computeArmPreferences(policy, versionIds, now, refreshRng);
    refresh.push((performance.now() - t0) * 1000);
  }

  log('regret simulation: discounted Thompson vs UCB1 vs ε-greedy vs fixed 50/50');
  const regret = simulateRegret(router, settings.regret, signal);

  const summary = (xs) => ({ ...latencySummary(xs, { digits: 2 }), max: round(xs.reduce((m, x) => Math.max(m, x), -Infinity), 1) });
  const stats = Object.fromEntries(keys.map((k) => [k, { ...summary(samples[k]), decisionsPerSecond: throughput[k] }]));
  const ratio = (a, b) => round(stats[a].p50 / stats[b].p50, 2);
  return {
    settings: { ...settings, iterations },
    world: { '60': '3 nodepools × 20 runners × 3 arms (one nodepool forbidden by residency, 2 runners ejected)', '100': '5 nodepools × 20 runners × 3 arms (same rules)' },
    cases: stats,
    ratios: {
      'thompson-60/weighted-60 p50': ratio('thompson-60', 'weighted-60'),
      'weighted-100/weighted-60 p50': ratio('weighted-100', 'weighted-60'),
      'weighted-100-cold/weighted-100 p50': ratio('weighted-100-cold', 'weighted-100'),
    'thompson-inline-60/thompson-60 p50': ratio('thompson-inline-60', 'thompson-60'),
    },
    preferenceRefreshUs: summary(refresh),
    regret,
  };
}

function buildWorld(router, { pools, runnersPerPool, arms, now }) {
  const nodepools = [];
  const runners = [];
  const candidates = [];
  const versionIds = Array.from({ length: arms }, (_, i) => `v${i}`);
  for (let p = 0; p < pools; p++) {
    // The last nodepool is in the US and the policy allows only the EU: residency removes it.
    const forbidden = p === pools - 1;
    const id = forbidden ? 'np-forbidden' : `np${p}`;
    nodepools.push({ id, name: id, kind: ['ON_PREM', 'VPC', 'SAAS'][p % 3], region: forbidden ? 'us-east-1' : 'eu-west-1', jurisdiction: forbidden ? 'US' : 'EU', costPerCall: (p % 3) / 100 });
    for (let r = 0; r < runnersPerPool; r++) {
      const runnerId = `${id}-r${r}`;
      runners.push({ id: runnerId, nodepoolId: id, outstanding: (r * 7) % 5 });
      for (const versionId of versionIds) candidates.push({ runnerId, nodepoolId: id, versionId });
    }
  }
  let health = router.trackRunners(router.emptyHealth(now - 5_000), runners.map((r) => r.id));
  const outlier = router.DEFAULT_OUTLIER_CONFIG;
  for (const id of ['np0-r0', 'np0-r1']) for (let i = 0; i < outlier.consecutiveFailures; i++) health = router.recordOutcome(health, id, 'failure', now - 1_000, outlier);
  if (router.ejectedRunners(health, now).length !== 2) throw new Error('bench world: expected 2 ejected runners');

  const base = {
    policy: { id: 'bench-policy', serverName: 'bench', allowedJurisdictions: ['EU'], allowedRegions: [], allowedKinds: [], failoverOrder: ['np1', 'np0'] },
    nodepools,
    runners,
    arms: versionIds.map((versionId) => ({ versionId, stateless: true, toolsHash: 'h', rolledBack: false })),
    candidates,
    health,
  };
  const stats = Object.fromEntries(versionIds.map((id, i) => [id, { rewardSum: 900 - 100 * i, count: 1_000, updatedAt: now }]));
  const thompson = { kind: 'THOMPSON', stats };
  const preferences = router.computeArmPreferences(thompson, versionIds, now, router.seededRng(3));
  return {
    weighted: { ...base, armPolicy: { kind: 'WEIGHTED', weights: { v0: 0.9, v1: 0.05, v2: 0.05 } } },
    thompsonCached: { ...base, armPolicy: { ...thompson, preferences } },
    thompsonInline: { ...base, armPolicy: thompson },
  };
}

/**
 * Two arms whose Bernoulli success rates swap at `switchAt`; each policy refreshes its preferences
 * once per simulated second (as the control plane would) and draws `decisionsPerSecond` arms from
 * the floored shares. Regret = Σ (best rate − chosen arm's rate), in expected failures.
 */
function simulateRegret(router, { decisions, decisionsPerSecond, switchAt, rates }, signal) {
  const halfLifeMs = 120_000;
  const policies = {
    'discounted Thompson': { kind: 'THOMPSON', params: { halfLifeMs, draws: 300 } },
    'Thompson (no discount)': { kind: 'THOMPSON', params: { halfLifeMs: Infinity, draws: 300 } },
    'UCB1 (discounted)': { kind: 'UCB1', params: { halfLifeMs } },
    'ε-greedy (ε=0.1, discounted)': { kind: 'EPSILON_GREEDY', params: { halfLifeMs, epsilon: 0.1 } },
    'fixed 50/50': { kind: 'WEIGHTED' },
  };
  const ids = ['a', 'b'];
  const out = {};
  for (const [name, p] of Object.entries(policies)) {
    signal.throwIfAborted();
    const rng = router.seededRng(2024);
    let stats = {};
    let regret = 0;
    let regretAfterSwitch = 0;
    let preferences;
    let shares = [0.5, 0.5];
    let zeroedAt = null;
    for (let t = 0; t < decisions; t++) {
      const now = Math.floor(t / decisionsPerSecond) * 1_000;
      const current = t < switchAt ? rates : [...rates].reverse();
      if (p.kind !== 'WEIGHTED' && t % decisionsPerSecond === 0) {
        const policy = { kind: p.kind, stats, params: p.params };
        preferences = router.computeArmPreferences(policy, ids, now, rng);
        shares = router.armShares(ids, { ...policy, preferences }, { now, rng, floorShare: 0.05, preferencesMaxAgeMs: 1_000 }).shares;
      }
      const arm = router.pickIndex(shares, rng);
      const loss = Math.max(...current) - current[arm];
      regret += loss;
      if (t >= switchAt) regretAfterSwitch += loss;
      // When the former best (arm a) first drops to 10% or less after the switch (floor: 5%).
      if (t >= switchAt && zeroedAt === null && shares[0] <= 0.1) zeroedAt = t - switchAt;
      const reward = rng() < current[arm] ? 1 : 0;
      if (p.kind !== 'WEIGHTED') stats = router.recordReward(stats, ids[arm], reward, now, p.params.halfLifeMs);
    }
    out[name] = {
      regret: round(regret, 1),
      regretAfterSwitch: round(regretAfterSwitch, 1),
      decisionsUntilFormerBestAt10Percent: zeroedAt,
    };
  }
  return { decisions, decisionsPerSecond, switchAt, rates, halfLifeMs, floorShare: 0.05, policies: out };
}

export function report(result) {
  const rows = Object.entries(result.cases).map(([name, s]) => ({ name, ...s }));
  const latency = formatTable(
    [...latencyColumns({ unit: 'µs', digits: 2, labelKey: 'name' }), { title: 'max µs', key: 'max', digits: 1 }, { title: 'decisions/s', key: 'decisionsPerSecond' }],
    rows,
  );
  const ratios = Object.entries(result.ratios)
    .map(([k, v]) => `  ${k}: ${v.toFixed(2)}x`)
    .join('\n');
  const r = result.preferenceRefreshUs;
  const regret = formatTable(
    [
      { title: 'policy', key: 'name' },
      { title: 'regret', key: 'regret', digits: 1 },
      { title: 'after switch', key: 'regretAfterSwitch', digits: 1 },
      { title: 'decisions until old best ≤ 10%', key: 'floor' },
    ],
    Object.entries(result.regret.policies).map(([name, x]) => ({ name, ...x, floor: x.decisionsUntilFormerBestAt10Percent ?? 'never' })),
  );
  const g = result.regret;
  return [
    latency,
    '',
    'ratios:',
    ratios,
    '',
    `computeArmPreferences (Thompson, 3 arms, 1000 draws): p50 ${r.p50} µs, p99 ${r.p99} µs — run periodically, off the request path`,
    '',
    `regret over ${g.decisions} decisions (${g.decisionsPerSecond}/s simulated), rates ${g.rates.join('/')} swapped at ${g.switchAt}, half-life ${g.halfLifeMs / 1000} s, floor ${g.floorShare}:`,
    regret,
  ].join('\n');
}
