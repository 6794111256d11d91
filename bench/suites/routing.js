// The policy router in the control plane: RoutedUpstreamChooser.candidates() end to end (snapshot
// cache, health shared through Redis, the decision and three fallbacks) beside the pure route() it
// calls, on one real stack (Postgres, Redis, NATS on 127.0.0.1), in one run:
//
//   (a) chooser/weighted  candidates() on a server with three versions at 90/5/5 (a rollout's weights)
//   (b) chooser/thompson  candidates() on a THOMPSON server (preferences refreshed each second, off the path)
//   (c) route x1          libs/router route() once, on the snapshot (a) uses
//   (d) route x4          the same four decisions candidates() makes (the choice + 3 fallbacks), pure
// and, measured apart because they are off the decision path or amortized:
//   (e) snapshot rebuild  a fresh snapshot from Postgres + Redis (what happens once a second per server)
//   (f) recordOutcome     one call's outcome into the shared statistics (one Redis pipeline)
//
// World: 3 nodepools × 20 runners, each runner holding all 3 versions; the policy allows the EU
// only (one nodepool is US) with a failover order; 2 runners ejected through the shared statistics.
import { controlPlane, controlPlaneConfig, createCleanups, createControlPlane, startStack } from '../lib/stack.js';
import { latencySummary, measureSideBySide, round } from '../lib/stats.js';
import { formatTable, latencyColumns } from '../lib/table.js';

export const description = 'RoutedUpstreamChooser.candidates() end to end with Redis vs the pure route() (60 runners × 3 versions)';
export const timeoutMs = 180_000;

// 100,000 calls per case take a few seconds: long enough for the once-a-second snapshot rebuilds
// and health reads (in the background of a decision) to happen inside the measured loop.
const SETTINGS = { warmup: 500, iterations: 100_000, roundSize: 1_000, budgetMs: 60_000, rebuilds: 300, outcomes: 2_000 };
/** --smoke: a few rebuilds and outcomes. */
const SMOKE = { rebuilds: 5, outcomes: 20 };

export async function run({ signal, log, iterations = SETTINGS.iterations, smoke = false }) {
  const settings = smoke ? { ...SETTINGS, ...SMOKE } : SETTINGS;
  const warmup = Math.min(settings.warmup, iterations);
  const { defer, runAll } = createCleanups('routing');
  try {
    const { createUser } = await import('@nats-io/jwt');
    const router = await import('@switchyard/router');

    const stack = await startStack({ suite: 'routing', defer, log, signal });

    log('starting the control plane in-process');
    const { PRISMA } = await import(controlPlane('database/database.module.js'));
    const { LOGGER } = await import(controlPlane('logging/logging.module.js'));
    const { RunnerLivenessService } = await import(controlPlane('runners/runner-liveness.service.js'));
    const { RoutingRepository } = await import(controlPlane('routing/routing.repository.js'));
    const { RoutingPolicies } = await import(controlPlane('routing/routing-policies.js'));
    const { RoutingStats } = await import(controlPlane('routing/routing-stats.js'));
    const { RoutingSnapshotSource } = await import(controlPlane('routing/routing-snapshot-source.js'));
    const { RoutedUpstreamChooser } = await import(controlPlane('routing/routed-upstream-chooser.js'));
    const { OutstandingRequests } = await import(controlPlane('routing/outstanding-requests.js'));
    const app = await createControlPlane(await controlPlaneConfig(stack), { defer });
    await app.init();
    // Its start-up reconcile marks runners that are not on NATS OFFLINE: seed after it.
    await app.get(RunnerLivenessService).ready();
    const prisma = app.get(PRISMA);

    log('seeding 3 nodepools × 20 runners, 2 servers × 3 versions placed on every runner');
    const pools = [];
    for (const [i, [kind, jurisdiction]] of [['ON_PREM', 'EU'], ['VPC', 'EU'], ['SAAS', 'US']].entries()) {
      pools.push(await prisma.nodepool.create({ data: { name: `bench-${i}`, kind, region: `${jurisdiction.toLowerCase()}-${i}`, jurisdiction, costPerCall: i / 100 } }));
    }
    const runners = [];
    for (const pool of pools) {
      for (let r = 0; r < 20; r++) {
        runners.push(await prisma.runner.create({ data: { nodepoolId: pool.id, name: `r-${r}`, publicKey: createUser().getPublicKey(), status: 'HEALTHY', lastSeenAt: new Date(), inFlight: (r * 7) % 5 } }));
      }
    }
    const seedServer = async (name, routerKind) => {
      const server = await prisma.mcpServer.create({ data: { name } });
      await prisma.routePolicy.create({ data: { serverId: server.id, allowedJurisdictions: ['EU'], failoverOrder: ['bench-1', 'bench-0'], routerKind } });
      const versions = [];
      for (let v = 0; v < 3; v++) {
        const version = await prisma.mcpServerVersion.create({ data: { serverId: server.id, version: `1.0.${v}`, transport: 'STDIO', command: 'node' } });
        versions.push(version);
        for (const pool of pools) {
          const deployment = await prisma.deployment.create({ data: { versionId: version.id, nodepoolId: pool.id, replicas: 20 } });
          await prisma.placement.createMany({ data: runners.filter((r) => r.nodepoolId === pool.id).map((r) => ({ deploymentId: deployment.id, runnerId: r.id })) });
        }
      }
      return { server, versions };
    };
    const weighted = await seedServer('bench-weighted', 'WEIGHTED');
    const thompson = await seedServer('bench-thompson', 'THOMPSON');

    const logger = app.get(LOGGER);
    const policies = app.get(RoutingPolicies);
    const stats = app.get(RoutingStats);
    const weights = { [weighted.versions[0].id]: 0.9, [weighted.versions[1].id]: 0.05, [weighted.versions[2].id]: 0.05 };
    const weightsSource = { forServer: async (serverId) => (serverId === weighted.server.id ? { rolloutId: 'bench-rollout', phase: 'CANARY', weights } : null) };
    const newSource = () => new RoutingSnapshotSource(app.get(RoutingRepository), policies, stats, new OutstandingRequests(), weightsSource, logger, { timers: false });
    const source = newSource();
    const chooser = new RoutedUpstreamChooser(source);
    const thompsonChooser = app.get(RoutedUpstreamChooser);

    // Two ejected runners of the weighted server, through the shared statistics (as the gateway would record them).
    await source.snapshotFor(weighted.server.name);
    const eu = runners.filter((r) => r.nodepoolId === pools[1].id);
    for (const runner of eu.slice(0, 2)) {
      for (let i = 0; i < 5; i++) await stats.recordOutcome({ serverName: weighted.server.name, versionId: weighted.versions[0].id, runnerId: runner.id, outcome: { kind: 'timeout', latencyMs: 30_000 } });
    }
    // Thompson statistics: the first version clearly best.
    for (const [v, version] of thompson.versions.entries()) {
      for (let i = 0; i < 50; i++) await stats.recordOutcome({ serverName: thompson.server.name, versionId: version.id, runnerId: eu[5].id, outcome: { kind: 'result', isError: i % (v + 2) === 0, latencyMs: 50 } });
    }
    await stats.flush();

    // Check each path once, thoroughly.
    const first = await chooser.candidates(weighted.server.name);
    const forbidden = new Set(runners.filter((r) => r.nodepoolId === pools[2].id).map((r) => r.id));
    if (first.length !== 4 || first.some((u) => forbidden.has(u.runnerId))) throw new Error(`chooser: expected 4 EU candidates, got ${JSON.stringify(first)}`);
    if (first.some((u) => eu.slice(0, 2).some((r) => r.id === u.runnerId))) throw new Error('chooser: an ejected runner was offered');
    if (first.some((u) => u.nodepoolId !== pools[1].id)) throw new Error('chooser: the failover order puts bench-1 first');
    const { snapshot } = await source.snapshotFor(weighted.server.name);
    if (router.ejectedRunners(snapshot.health, Date.now()).length !== 2) throw new Error('expected 2 ejected runners in the snapshot');
    await thompsonChooser.candidates(thompson.server.name);
    await app.get(RoutingSnapshotSource).tick();
    const t = await app.get(RoutingSnapshotSource).snapshotFor(thompson.server.name);
    if (t.snapshot.armPolicy.kind !== 'THOMPSON' || !t.snapshot.armPolicy.preferences) throw new Error('thompson: expected precomputed preferences');

    const rng = Math.random;
    const routeOnce = () => {
      const d = router.route({}, snapshot, { now: Date.now(), rng });
      if (!d.ok) throw new Error(d.message);
    };
    const routeFour = () => {
      const now = Date.now();
      const excludeRunnerIds = [];
      for (let i = 0; i < 4; i++) {
        const d = router.route(excludeRunnerIds.length ? { excludeRunnerIds } : {}, snapshot, { now, rng });
        if (!d.ok) throw new Error(d.message);
        excludeRunnerIds.push(d.runnerId);
      }
    };
    const cases = {
      'chooser/weighted': async () => {
        if ((await chooser.candidates(weighted.server.name)).length !== 4) throw new Error('chooser: expected 4 candidates');
      },
      'chooser/thompson': async () => {
        if ((await thompsonChooser.candidates(thompson.server.name)).length !== 4) throw new Error('chooser: expected 4 candidates');
      },
      'route x1': async () => routeOnce(),
      'route x4': async () => routeFour(),
    };
    log(`measuring ${iterations} calls per case, interleaved`);
    const measured = await measureSideBySide(cases, { iterations, warmup, roundSize: settings.roundSize, budgetMs: settings.budgetMs, signal });

    log(`measuring ${settings.rebuilds} snapshot rebuilds and ${settings.outcomes} recorded outcomes`);
    const apart = await measureSideBySide(
      {
        'snapshot rebuild': async () => {
          const { snapshot: s } = await newSource().snapshotFor(weighted.server.name);
          if (s.candidates.length !== 180) throw new Error(`rebuild: expected 180 candidates, got ${s.candidates.length}`);
        },
      },
      { iterations: settings.rebuilds, warmup: Math.min(20, settings.rebuilds), roundSize: 50, budgetMs: 30_000, signal },
    );
    const outcomes = await measureSideBySide(
      {
        recordOutcome: async () => {
          await stats.recordOutcome({ serverName: weighted.server.name, versionId: weighted.versions[0].id, runnerId: eu[7].id, outcome: { kind: 'result', isError: false, latencyMs: 20 } });
        },
      },
      { iterations: settings.outcomes, warmup: Math.min(100, settings.outcomes), roundSize: 500, budgetMs: 30_000, signal },
    );

    const us = (samples) => latencySummary(samples, { scale: 1000, digits: 1 });
    const results = Object.fromEntries(
      [...Object.entries(measured.samples), ...Object.entries(apart.samples), ...Object.entries(outcomes.samples)].map(([key, samples]) => [key, us(samples)]),
    );
    const ratio = (a, b) => ({ p50: round(results[a].p50 / results[b].p50, 1), p99: round(results[a].p99 / results[b].p99, 1) });
    const ratiosTable = {
      'chooser/weighted ÷ route x1': ratio('chooser/weighted', 'route x1'),
      'chooser/weighted ÷ route x4': ratio('chooser/weighted', 'route x4'),
      'chooser/thompson ÷ route x4': ratio('chooser/thompson', 'route x4'),
    };
    return {
      settings: { ...settings, iterations, warmup },
      world: '3 nodepools × 20 runners (one US nodepool removed by residency), 3 versions on every runner, 2 runners ejected; candidates() = the decision + 3 fallbacks',
      conditions: 'in-process control plane; Postgres (embedded), Redis and nats-server on 127.0.0.1; sequential, one call in flight; timings in µs',
      results,
      ratios: ratiosTable,
      truncated: measured.truncated,
      wallMs: measured.wallMs,
    };
  } finally {
    await runAll((name, error) => log(`cleanup of ${name} failed: ${error.message}`));
  }
}

export function report(result) {
  const columns = latencyColumns({ unit: 'µs', digits: 1, labelKey: 'case' });
  return [
    `${result.world}\n${result.conditions}\n`,
    formatTable(columns, Object.entries(result.results).map(([key, r]) => ({ case: key, ...r }))),
    '',
    formatTable(
      [{ title: 'ratio', key: 'name' }, { title: 'p50', key: 'p50', digits: 1 }, { title: 'p99', key: 'p99', digits: 1 }],
      Object.entries(result.ratios).map(([name, r]) => ({ name, ...r })),
    ),
  ].join('\n');
}
