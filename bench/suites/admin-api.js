// Admin API read path: what the control plane costs on top of the database, and on top of the
// framework, measured side by side on one real stack (Postgres, NATS, Redis on 127.0.0.1).
//
//   (a) graphql  POST /graphql nodepools(first: 20) { nodes { id name kind } } with an API key
//   (b) prisma   the same page read directly: prisma.nodepool.findMany({ take: 21, orderBy: { id: 'asc' } })
//   (c) healthz  GET /healthz, the framework floor (Fastify + Nest routing, no I/O)
//
// plus the cold start of a control plane (createApp + listen) over a few runs.
import { createHttpClient } from '../lib/http.js';
import { controlPlane, controlPlaneConfig, createCleanups, listen, startStack } from '../lib/stack.js';
import { measureSideBySide, ratios, round, summarize } from '../lib/stats.js';
import { formatRatioTable, formatTable, latencyColumns } from '../lib/table.js';

export const description = 'GraphQL nodepools page vs. the same Prisma read vs. /healthz, plus control-plane cold start';
/** The runner aborts the suite after this long (it is meant to take well under a minute). */
export const timeoutMs = 150_000;

const SETTINGS = {
  nodepools: 200,
  warmup: 200,
  iterations: 2_000,
  /** Measured calls per case per interleaved round. */
  roundSize: 100,
  /** The measured loop stops at a round boundary after this long (counts stay equal). */
  budgetMs: 30_000,
  coldStarts: 3,
};
/** --smoke: one cold start. */
const SMOKE = { coldStarts: 1 };

const NODEPOOLS_QUERY = 'query { nodepools(first: 20) { nodes { id name kind } } }';
const KINDS = ['SAAS', 'VPC', 'ON_PREM'];

export async function run({ signal, log, iterations = SETTINGS.iterations, smoke = false }) {
  const settings = smoke ? { ...SETTINGS, ...SMOKE } : SETTINGS;
  const warmup = Math.min(settings.warmup, iterations);
  const { defer, runAll } = createCleanups('admin-api');
  const setup = {};
  const step = async (name, work) => {
    signal.throwIfAborted();
    const t0 = performance.now();
    const value = await work();
    setup[name] = Math.round(performance.now() - t0);
    return value;
  };

  try {
    const stack = await startStack({ suite: 'admin-api', operatorName: 'bench-admin-api', defer, log, signal });
    log(`applied ${stack.timings.migrationsApplied} migration(s)`);
    const { ApiKeyRole } = await import('@switchyard/db');
    const { createLogger } = await import(controlPlane('logging/logger.js'));
    const config = await controlPlaneConfig(stack);
    const logger = createLogger(config.logLevel);

    // The first import of the app's module graph (Nest, Apollo, the resolvers); @switchyard/db
    // and Prisma's client are already loaded by migrate above.
    const importStarted = performance.now();
    const { createApp } = await import(controlPlane('create-app.js'));
    const importMs = round(performance.now() - importStarted, 1);

    // Cold start: a fresh application each time, in this process (modules already imported).
    log(`cold start: createApp + listen, ${settings.coldStarts} runs`);
    const coldStarts = [];
    for (let i = 0; i < settings.coldStarts; i++) {
      signal.throwIfAborted();
      const t0 = performance.now();
      const app = await createApp(config, logger);
      const t1 = performance.now();
      let closed = false;
      const close = () => (closed ? undefined : ((closed = true), app.close()));
      defer(`cold-start app ${i + 1}`, close);
      const url = await listen(app);
      const t2 = performance.now();
      const client = createHttpClient(url);
      const first = await client.request('GET', '/healthz');
      const t3 = performance.now();
      if (first.status !== 200) throw new Error(`cold start ${i + 1}: GET /healthz answered ${first.status}: ${first.body}`);
      // Ready = /readyz says Postgres, Redis and NATS all answer (NATS is dialed in the background).
      // Waiting for it also keeps us from closing the app while its first NATS dial is in flight:
      // NatsLink.close() then misses the connection, which lives on and holds the process open.
      const { polls } = await waitUntilReady(client, signal);
      const t4 = performance.now();
      client.close();
      coldStarts.push({
        run: i + 1,
        createAppMs: round(t1 - t0, 1),
        listenMs: round(t2 - t1, 1),
        totalMs: round(t2 - t0, 1),
        firstRequestMs: round(t3 - t2, 1),
        readyMs: round(t4 - t0, 1),
        readyzPolls: polls,
      });
      const c0 = performance.now();
      await close();
      coldStarts[i].closeMs = round(performance.now() - c0, 1);
    }

    log('starting the control plane under test');
    const app = await createApp(config, logger);
    defer('control plane', () => app.close());
    const url = await listen(app);
    const client = createHttpClient(url);
    defer('http client', () => client.close());
    const { PRISMA } = await import(controlPlane('database/database.module.js'));
    const { ApiKeysService } = await import(controlPlane('api-keys/api-keys.service.js'));
    const { CLI_ACTOR } = await import(controlPlane('admin-events/actor.js'));
    const prisma = app.get(PRISMA);

    log(`seeding ${settings.nodepools} nodepools and a viewer key`);
    await step('seedMs', () =>
      prisma.nodepool.createMany({
        data: Array.from({ length: settings.nodepools }, (_, i) => ({
          name: `bench-pool-${String(i).padStart(3, '0')}`,
          kind: KINDS[i % KINDS.length],
          region: `region-${i % 7}`,
          jurisdiction: i % 2 ? 'EU' : 'US',
          costPerCall: (i % 10) / 100,
          labels: { tier: String(i % 3), team: `team-${i % 5}` },
        })),
      }),
    );
    const { key } = await app.get(ApiKeysService).create(CLI_ACTOR, { name: 'bench-viewer', role: ApiKeyRole.VIEWER });

    const graphqlBody = Buffer.from(JSON.stringify({ query: NODEPOOLS_QUERY }));
    const graphqlHeaders = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const graphql = () => client.request('POST', '/graphql', { headers: graphqlHeaders, body: graphqlBody });
    const prismaRead = () => prisma.nodepool.findMany({ take: 21, orderBy: { id: 'asc' } });
    const healthz = () => client.request('GET', '/healthz');

    // Check each path once, thoroughly, before timing it; the timed calls only check cheaply.
    const page = await graphql();
    const parsed = JSON.parse(page.body);
    if (page.status !== 200 || parsed.errors || parsed.data?.nodepools?.nodes?.length !== 20) {
      throw new Error(`GraphQL nodepools did not return a page of 20: ${page.status} ${page.body.slice(0, 500)}`);
    }
    const rows = await prismaRead();
    if (rows.length !== 21) throw new Error(`prisma findMany returned ${rows.length} rows, expected 21`);
    if (parsed.data.nodepools.nodes[0].id !== rows[0].id) throw new Error('GraphQL and Prisma disagree on the first nodepool');
    const health = await healthz();
    if (health.status !== 200) throw new Error(`GET /healthz answered ${health.status}: ${health.body}`);

    const cases = {
      graphql: async () => {
        const response = await graphql();
        if (response.status !== 200 || response.body.includes('"errors"')) {
          throw new Error(`GraphQL nodepools failed: ${response.status} ${response.body.slice(0, 500)}`);
        }
      },
      prisma: async () => {
        const result = await prismaRead();
        if (result.length !== 21) throw new Error(`prisma findMany returned ${result.length} rows`);
      },
      healthz: async () => {
        const response = await healthz();
        if (response.status !== 200) throw new Error(`GET /healthz answered ${response.status}`);
      },
    };
    log(`measuring: ${warmup} warm-up + ${iterations} calls per case, interleaved, sequential`);
    const measured = await measureSideBySide(cases, {
      iterations,
      warmup,
      roundSize: settings.roundSize,
      budgetMs: settings.budgetMs,
      signal,
    });
    if (measured.truncated) log(`time budget of ${settings.budgetMs / 1000} s reached: stopped at ${measured.samples.graphql.length} calls per case`);

    const stats = {
      graphql: summarize(measured.samples.graphql),
      prisma: summarize(measured.samples.prisma),
      healthz: summarize(measured.samples.healthz),
    };
    const sortedTotals = coldStarts.map((c) => c.totalMs).sort((x, y) => x - y);
    const sortedReady = coldStarts.map((c) => c.readyMs).sort((x, y) => x - y);
    return {
      settings: { ...settings, iterations, warmup },
      query: NODEPOOLS_QUERY,
      cases: {
        graphql: { label: '(a) GraphQL nodepools(first: 20), API key, HTTP', ...stats.graphql },
        prisma: { label: '(b) prisma.nodepool.findMany take 21, direct', ...stats.prisma },
        healthz: { label: '(c) GET /healthz, HTTP', ...stats.healthz },
      },
      ratios: {
        'graphql/prisma': ratios(stats.graphql, stats.prisma),
        'graphql/healthz': ratios(stats.graphql, stats.healthz),
      },
      measured: { truncated: measured.truncated, wallMs: measured.wallMs, perCase: measured.samples.graphql.length },
      coldStart: {
        importMs,
        runs: coldStarts,
        minMs: sortedTotals[0],
        medianMs: sortedTotals[Math.floor(sortedTotals.length / 2)],
        maxMs: sortedTotals[sortedTotals.length - 1],
        readyMedianMs: sortedReady[Math.floor(sortedReady.length / 2)],
      },
      setup: { infraMs: stack.timings.infraMs, migrateMs: stack.timings.migrateMs, ...setup, migrationsApplied: stack.timings.migrationsApplied },
    };
  } finally {
    // Reverse order: app and clients before the servers, the temp dir last.
    await runAll();
  }
}

/** Polls GET /readyz until it answers 200 (10 s at most). */
async function waitUntilReady(client, signal) {
  const deadline = performance.now() + 10_000;
  for (let polls = 1; ; polls++) {
    signal.throwIfAborted();
    const response = await client.request('GET', '/readyz');
    if (response.status === 200) return { polls };
    if (performance.now() > deadline) throw new Error(`the control plane did not become ready within 10 s: ${response.body}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function report(result) {
  const caseRows = Object.values(result.cases);
  const latency = formatTable([...latencyColumns(), { title: 'req/s', key: 'rps' }], caseRows);
  const ratioTable = formatRatioTable(
    Object.entries(result.ratios).map(([name, r]) => ({ ratio: name === 'graphql/prisma' ? '(a)/(b) graphql / prisma' : '(a)/(c) graphql / healthz', ...r })),
  );
  const cold = formatTable(
    [
      { title: 'cold start', key: 'run' },
      { title: 'createApp ms', key: 'createAppMs', digits: 1 },
      { title: 'listen ms', key: 'listenMs', digits: 1 },
      { title: 'total ms', key: 'totalMs', digits: 1 },
      { title: '1st /healthz ms', key: 'firstRequestMs', digits: 1 },
      { title: 'ready ms', key: 'readyMs', digits: 1 },
      { title: 'close ms', key: 'closeMs', digits: 1 },
    ],
    result.coldStart.runs.map((r) => ({ ...r, run: `run ${r.run}` })),
  );
  const note = result.measured.truncated
    ? `\nNOTE: the time budget cut the run short at ${result.measured.perCase} calls per case (of ${result.settings.iterations}).`
    : '';
  return [
    `Admin API, ${result.measured.perCase} sequential calls per case after ${result.settings.warmup} warm-up, interleaved (${(result.measured.wallMs / 1000).toFixed(1)} s)`,
    '',
    latency,
    '',
    ratioTable,
    '',
    cold,
    `cold start (createApp + listen): min ${result.coldStart.minMs} ms, median ${result.coldStart.medianMs} ms, max ${result.coldStart.maxMs} ms;` +
      ` ready (/readyz 200) median ${result.coldStart.readyMedianMs} ms` +
      `\n(first import of create-app.js: ${result.coldStart.importMs} ms, not included)`,
    `setup: infra ${result.setup.infraMs} ms, migrate ${result.setup.migrateMs} ms, seed ${result.setup.seedMs} ms` + note,
  ].join('\n');
}
