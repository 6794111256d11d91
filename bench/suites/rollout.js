// Time from a challenger going bad to its traffic reaching zero, on the real stack: a control plane
// (in-process, the scheduled analysis every SWITCHYARD_ROLLOUT_ANALYSIS_SECONDS = 1 s), a runner
// process, two versions of the relay fixture server, real MCP sessions through /mcp/<server>.
//
// Per run: a rollout in CANARY at 50 % with a step that cannot finish in the run (only a breach
// ends it), good traffic on both arms for a while, then the challenger turns bad — its
// FLAKY_FAILURE_RATE_FILE is written, so the running process fails that share of its `flaky` calls
// from the next call on — while the traffic goes on. Measured from that instant:
//   rolled back   the analysis's ROLLED_BACK event (detection + the next tick);
//   last call     the start of the last call any session made on the challenger (its traffic is
//                 zero after it: new sessions go to the champion, pinned ones get 404).
// The traffic is one client running short sessions (5 `flaky` calls each) back to back, so the
// figures depend on its call rate, which is reported with them; the bad share is 20 % (the issue's
// example) and 100 % (a version that is simply broken).
//
// The router suite (bench/suites/router.js) has the other half of "Measure": cumulative regret of
// discounted Thompson vs UCB1 vs ε-greedy vs a fixed split on a non-stationary workload; this
// suite reprints its last stored figures beside its own (bench/results/latest.json).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlacedRunner } from '../lib/runner.js';
import { UNLIMITED_MCP_RATE, controlPlane, controlPlaneConfig, createCleanups, createControlPlane, listen, startStack } from '../lib/stack.js';
import { round, summarize } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';

export const description = 'time from a canary challenger going bad to its traffic reaching zero (analysis every 1 s, real sessions), and the router suite\'s regret';
export const timeoutMs = 300_000;

const SETTINGS = { runsPerRate: 3, badRates: [0.2, 1], callsPerSession: 5, goodPhaseMs: 2_000, afterRollbackMs: 1_000, runLimitMs: 40_000 };
/** --smoke: one run of a challenger that fails every call, shorter phases. */
const SMOKE = { runsPerRate: 1, badRates: [1], goodPhaseMs: 1_000, afterRollbackMs: 500 };
const GATES = {
  shadow: { enabled: false },
  canary: { steps: [0.5], minCallsPerStep: 1_000_000, minStepDurationMs: 3_600_000 },
  errorRate: { minCallsPerNodepool: 20 },
  latency: { minSamplesPerNodepool: 20, p95SlackMs: 10_000 },
};

const repoPath = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const FIXTURE_SERVER = repoPath('apps/runner/test/fixtures/relay-fixture-server.mjs');

export async function run({ signal, log, repoRoot, smoke = false }) {
  const settings = smoke ? { ...SETTINGS, ...SMOKE } : SETTINGS;
  const { defer, runAll } = createCleanups('rollout');
  try {
    const { ApiKeyRole } = await import('@switchyard/db');
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');

    const stack = await startStack({ suite: 'rollout', defer, log, signal });
    const { dir } = stack;

    log('starting the control plane in-process (rollout analysis every 1 s)');
    const { PRISMA } = await import(controlPlane('database/database.module.js'));
    const { ApiKeysService } = await import(controlPlane('api-keys/api-keys.service.js'));
    const { CLI_ACTOR } = await import(controlPlane('admin-events/actor.js'));
    const config = await controlPlaneConfig(stack, { SWITCHYARD_ROLLOUT_ANALYSIS_SECONDS: '1', ...UNLIMITED_MCP_RATE });
    const app = await createControlPlane(config, { defer });
    const baseUrl = await listen(app);
    const prisma = app.get(PRISMA);

    // One server per run, so every run starts from a fresh rollout, fresh arm statistics and a
    // challenger process that has not failed yet.
    const runs = settings.badRates.flatMap((badRate) => Array.from({ length: settings.runsPerRate }, (_, i) => ({ badRate, serverName: `ttz-${String(badRate).replace('.', '')}-${i + 1}` })));
    log(`registering ${runs.length} servers, two versions each (champion FLAKY_FAILURE_RATE=0; challenger reads a rate file)`);
    const nodepool = await prisma.nodepool.create({ data: { name: 'bench', kind: 'ON_PREM', region: 'local', jurisdiction: 'EU' } });
    const placements = [];
    for (const r of runs) {
      const server = await prisma.mcpServer.create({ data: { name: r.serverName } });
      r.rateFile = join(dir, `${r.serverName}.rate`);
      for (const [role, env] of [['champion', { FLAKY_FAILURE_RATE: '0' }], ['challenger', { FLAKY_FAILURE_RATE: '0', FLAKY_FAILURE_RATE_FILE: r.rateFile }]]) {
        const version = await prisma.mcpServerVersion.create({ data: { serverId: server.id, version: role === 'champion' ? '1.0.0' : '2.0.0', transport: 'STDIO', command: 'node', args: [FIXTURE_SERVER], env } });
        const deployment = await prisma.deployment.create({ data: { versionId: version.id, nodepoolId: nodepool.id, replicas: 1 } });
        r[role] = version.id;
        placements.push({
          deploymentId: deployment.id,
          versionId: version.id,
          serverName: r.serverName,
          secretValues: {},
          launch: { transport: 'STDIO', command: 'node', args: [FIXTURE_SERVER], env, secretEnv: [], url: null, artifactIntegrity: null, stateless: false },
        });
      }
    }

    log('starting the runner process');
    await startPlacedRunner({ app, nats: stack.nats, nodepoolId: nodepool.id, placements, signal, defer });

    const { key: agentKey } = await app.get(ApiKeysService).create(CLI_ACTOR, { name: 'bench-agent', role: ApiKeyRole.AGENT });
    const { key: operatorKey } = await app.get(ApiKeysService).create(CLI_ACTOR, { name: 'bench-operator', role: ApiKeyRole.OPERATOR });
    const gql = async (query, variables) => {
      const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}` }, body: JSON.stringify({ query, variables }) });
      const body = await response.json();
      if (!body.data) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
      return body.data;
    };

    /** One short session of `flaky` calls; a 404 (rolled back under it) ends it early, as for a real client. */
    const session = async (serverName) => {
      const client = new Client({ name: 'bench-rollout', version: '0.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp/${serverName}`), { requestInit: { headers: { Authorization: `Bearer ${agentKey}` } } });
      let calls = 0;
      try {
        await client.connect(transport);
        for (; calls < settings.callsPerSession; calls++) await client.callTool({ name: 'flaky', arguments: {} });
      } catch {
        // counted below by what reached the audit
      } finally {
        await transport.terminateSession().catch(() => undefined);
        await client.close().catch(() => undefined);
      }
      return calls;
    };

    const results = [];
    for (const r of runs) {
      signal.throwIfAborted();
      const { startRollout } = await gql(`mutation($input: StartRolloutInput!) { startRollout(input: $input) { id } }`, {
        input: { serverName: r.serverName, championVersionId: r.champion, challengerVersionId: r.challenger, config: GATES },
      });
      await gql(`mutation($id: ID!) { advanceRollout(id: $id) { phase } }`, { id: startRollout.id });
      const phaseOf = async () => (await prisma.rollout.findUniqueOrThrow({ where: { id: startRollout.id }, select: { phase: true } })).phase;

      // Good traffic first: the analysis sees both arms healthy (its window includes these calls).
      const goodUntil = performance.now() + settings.goodPhaseMs;
      while (performance.now() < goodUntil) await session(r.serverName);
      if ((await phaseOf()) !== 'CANARY') throw new Error(`${r.serverName}: the good challenger left CANARY (${await phaseOf()})`);

      writeFileSync(r.rateFile, String(r.badRate));
      const flippedAt = new Date();
      const limit = performance.now() + settings.runLimitMs;
      let rolledBackSeenAt;
      let calls = 0;
      // Traffic goes on until a while after the rollback, to see that the challenger gets nothing more.
      while (rolledBackSeenAt === undefined || performance.now() < rolledBackSeenAt + settings.afterRollbackMs) {
        if (performance.now() > limit) throw new Error(`${r.serverName}: not rolled back within ${settings.runLimitMs / 1000} s of going bad`);
        calls += await session(r.serverName);
        if (rolledBackSeenAt === undefined && (await phaseOf()) === 'ROLLED_BACK') rolledBackSeenAt = performance.now();
      }
      const trafficMs = Date.now() - flippedAt.getTime();

      const event = await prisma.rolloutEvent.findFirstOrThrow({ where: { rolloutId: startRollout.id, kind: 'ROLLED_BACK' } });
      const challengerAfter = await prisma.toolInvocation.findMany({ where: { versionId: r.challenger, startedAt: { gte: flippedAt } }, select: { startedAt: true, outcome: true } });
      const lastChallengerCall = Math.max(...challengerAfter.map((row) => row.startedAt.getTime()));
      const errorGate = event.metrics?.gates?.find((gate) => gate.gate === 'errorRate')?.details ?? {};
      results.push({
        server: r.serverName,
        badRate: r.badRate,
        rolledBackMs: event.at.getTime() - flippedAt.getTime(),
        lastChallengerCallMs: lastChallengerCall - flippedAt.getTime(),
        challengerCallsAfterBad: challengerAfter.length,
        challengerFailuresAfterBad: challengerAfter.filter((row) => row.outcome === 'TOOL_ERROR').length,
        windowChallengerCalls: errorGate.challengerCalls,
        windowChallengerErrors: errorGate.challengerErrors,
        callsPerSecond: Math.round(calls / (trafficMs / 1000)),
        callsToChallengerAfterRollback: challengerAfter.filter((row) => row.startedAt >= event.at).length,
        reason: event.reason,
      });
      log(`${r.serverName}: rolled back ${results.at(-1).rolledBackMs} ms after going bad (${r.badRate * 100} %), last challenger call at ${results.at(-1).lastChallengerCallMs} ms`);
    }

    const byRate = Object.fromEntries(
      settings.badRates.map((badRate) => {
        const of = results.filter((x) => x.badRate === badRate);
        const seconds = (key) => round(summarize(of.map((x) => x[key] / 1000)).p50, 2);
        return [String(badRate), { runs: of.length, rolledBackP50s: seconds('rolledBackMs'), lastChallengerCallP50s: seconds('lastChallengerCallMs'), callsPerSecondP50: summarize(of.map((x) => x.callsPerSecond)).p50 }];
      }),
    );
    return { settings: { ...settings, gates: GATES, analysisSeconds: 1 }, runs: results, byRate, routerRegret: storedRouterRegret(repoRoot) };
  } finally {
    await runAll();
  }
}

/** The router suite's last regret figures, if it has been run (no duplicate simulation here). */
function storedRouterRegret(repoRoot) {
  try {
    const latest = JSON.parse(readFileSync(join(repoRoot ?? repoPath('.'), 'bench', 'results', 'latest.json'), 'utf8'));
    const router = latest.suites?.router;
    const regret = router?.result?.regret;
    if (!regret?.policies) return undefined;
    return { date: router.date, policies: Object.fromEntries(Object.entries(regret.policies).map(([name, x]) => [name, { regret: x.regret, regretAfterSwitch: x.regretAfterSwitch }])) };
  } catch {
    return undefined;
  }
}


export function report(result) {
  const runs = formatTable(
    [
      { title: 'server', key: 'server' },
      { title: 'bad share', key: 'badRate' },
      { title: 'rolled back s', key: 'rolledBack', digits: 2 },
      { title: 'last challenger call s', key: 'lastCall', digits: 2 },
      { title: 'challenger calls / failures after bad', key: 'after' },
      { title: 'window challenger calls / errors', key: 'window' },
      { title: 'calls/s', key: 'callsPerSecond' },
      { title: 'challenger calls after rollback', key: 'callsToChallengerAfterRollback' },
    ],
    result.runs.map((x) => ({
      ...x,
      rolledBack: x.rolledBackMs / 1000,
      lastCall: x.lastChallengerCallMs / 1000,
      after: `${x.challengerCallsAfterBad} / ${x.challengerFailuresAfterBad}`,
      window: `${x.windowChallengerCalls} / ${x.windowChallengerErrors}`,
    })),
  );
  const summary = formatTable(
    [
      { title: 'bad share', key: 'rate' },
      { title: 'runs', key: 'runs' },
      { title: 'rolled back p50 s', key: 'rolledBackP50s', digits: 2 },
      { title: 'traffic zero p50 s', key: 'lastChallengerCallP50s', digits: 2 },
      { title: 'calls/s p50', key: 'callsPerSecondP50' },
    ],
    Object.entries(result.byRate).map(([rate, x]) => ({ rate, ...x })),
  );
  const lines = [
    `time from a canary challenger (50 %) going bad to ROLLED_BACK by the analysis (every ${result.settings.analysisSeconds} s) and to its last call:`,
    runs,
    '',
    summary,
  ];
  if (result.routerRegret) {
    lines.push('', `cumulative regret on the router suite's non-stationary workload (bench/suites/router.js, stored ${result.routerRegret.date}):`);
    lines.push(formatTable([{ title: 'policy', key: 'name' }, { title: 'regret', key: 'regret', digits: 1 }, { title: 'after switch', key: 'regretAfterSwitch', digits: 1 }], Object.entries(result.routerRegret.policies).map(([name, x]) => ({ name, ...x }))));
  } else {
    lines.push('', 'regret of the bandits: run `npm run bench -- router`');
  }
  return lines.join('\n');
}
