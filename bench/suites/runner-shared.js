// What sharing one upstream connection among sessions gives (stateless versions): N client
// sessions, each making sequential `tools/call echo` calls at the same time, through the runner
// path (RunnerRelay → nats-server → a runner process → stdio server-everything), in two cases
// measured in one run:
//
//   (a) shared        one STATELESS placement: the N sessions share one server process and one
//                     stdio connection (the runner multiplexes by rewritten request ids)
//   (b) per-session   N STATEFUL placements: one server process per session, as a stateful
//                     version needs (a stdio process serves one session at a time)
//
// Both in the same runner process, alternated (a b b a) so that load drift hits both. Reported per
// case: calls/s over all sessions, p50/p99 per call, the wall time to open the N sessions
// (initialize + initialized; in (a) the runner answers every initialize but the first from its
// cache), and the resident memory of the server processes.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { EVERYTHING_ENTRY, EVERYTHING_LAUNCH, expectEcho, relayClient, runnerCreds, startNatsWithRelay, startRelayRunner } from '../lib/runner.js';
import { createCleanups } from '../lib/stack.js';
import { summarize } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';

export const description = 'N concurrent sessions on one shared stateless upstream vs one stateful server process per session (through the runner)';
export const timeoutMs = 240_000;

const SETTINGS = { sessions: [4, 16], callsPerBatch: 2_000, warmupPerSession: 20 };
/** --smoke: 2 sessions (3 server processes instead of 17). */
const SMOKE = { sessions: [2], warmupPerSession: 2 };

const placement = (deploymentId, stateless) => ({
  deploymentId,
  versionId: 'ver-1',
  serverName: 'everything',
  secretValues: {},
  launch: { ...EVERYTHING_LAUNCH, stateless },
});

export async function run({ signal, log, iterations = SETTINGS.callsPerBatch, smoke = false }) {
  const settings = smoke ? { ...SETTINGS, ...SMOKE } : SETTINGS;
  const { defer, runAll } = createCleanups('runner-shared');
  try {
    const { nats, bundle, relay } = await startNatsWithRelay({ suite: 'runner-shared', defer, log });

    const maxSessions = Math.max(...settings.sessions);
    const shared = placement('dep-shared', true);
    const perSession = Array.from({ length: maxSessions }, (_, index) => placement(`dep-own-${index}`, false));
    log(`starting the runner with 1 stateless and ${maxSessions} stateful placements of server-everything`);
    const runnerId = randomUUID();
    const runner = await startRelayRunner({ NATS_URL: nats.url, RUNNER_ID: runnerId, RUNNER_CREDS: await runnerCreds(bundle, runnerId), PLACEMENTS: JSON.stringify([shared, ...perSession]) }, signal, {
      readyTimeoutMs: 60_000,
    });
    defer('runner process', () => runner.stop());
    const serverRss = serverMemory(runner.pid);

    const byCount = {};
    for (const count of settings.sessions) {
      const targets = {
        shared: Array.from({ length: count }, () => shared),
        perSession: perSession.slice(0, count),
      };
      const batches = { shared: [], perSession: [] };
      const opening = { shared: [], perSession: [] };
      // a b b a: the order of the cases alternates.
      for (const name of ['shared', 'perSession', 'perSession', 'shared']) {
        signal.throwIfAborted();
        log(`${count} sessions, ${name}: opening, ${settings.warmupPerSession} warm-up calls each, ${Math.round(iterations / 2)} measured calls`);
        const t0 = performance.now();
        const clients = await Promise.all(targets[name].map((target) => sessionClient(relay, runnerId, target)));
        opening[name].push(performance.now() - t0);
        try {
          await Promise.all(clients.map(async (client) => {
            for (let i = 0; i < settings.warmupPerSession; i++) await client.echo();
          }));
          batches[name].push(await concurrently(clients, Math.round(iterations / 2)));
        } finally {
          await Promise.all(clients.map((client) => client.close()));
        }
      }
      byCount[count] = Object.fromEntries(
        Object.entries(batches).map(([name, runs]) => {
          const samples = runs.flatMap((r) => r.samples);
          const wallMs = runs.reduce((sum, r) => sum + r.wallMs, 0);
          const stats = summarize(samples);
          return [name, { n: stats.n, p50: stats.p50, p99: stats.p99, callsPerSecond: Math.round(samples.length / (wallMs / 1000)), openMs: Math.round(Math.min(...opening[name])) }];
        }),
      );
    }
    return {
      settings: { ...settings, callsPerBatch: iterations },
      conditions:
        'N sessions each with one call in flight (N in flight in all); the control plane side (RunnerRelay) and every client in the bench process; ' +
        'one runner process (the built relay + ServerSupervisor) hosting both cases; nats-server 127.0.0.1 in operator mode; server-everything over stdio',
      cases: { shared: '(a) one stateless upstream shared by the N sessions', perSession: '(b) one stateful server process per session' },
      byCount,
      serverMemory: serverRss,
    };
  } finally {
    await runAll();
  }
}

/** `total` calls spread over the clients, each client sequential: per-call latencies and the wall time. */
async function concurrently(clients, total) {
  const samples = [];
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (started < total) {
        started += 1;
        const t = performance.now();
        await client.echo();
        samples.push(performance.now() - t);
      }
    }),
  );
  return { samples, wallMs: performance.now() - t0 };
}

/** Resident memory of the runner's server-everything children (Linux /proc; empty elsewhere). */
function serverMemory(runnerPid) {
  const rssKb = [];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== runnerPid) continue;
        if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(EVERYTHING_ENTRY)) continue;
        const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
        if (rss) rssKb.push(Number(rss[1]));
      } catch {
        // Gone while we looked.
      }
    }
  } catch {
    return { processes: 0, meanMb: null };
  }
  const meanMb = rssKb.length === 0 ? null : Math.round(rssKb.reduce((sum, kb) => sum + kb, 0) / rssKb.length / 1024);
  return { processes: rssKb.length, meanMb };
}


/** A relay session whose `echo()` sends its own text and checks the answer: one handed to the wrong session fails the run. */
async function sessionClient(relay, runnerId, target) {
  const client = await relayClient(relay, runnerId, target);
  const mark = randomUUID();
  let n = 0;
  return {
    echo: async () => {
      const expected = `${mark}-${(n += 1)}`;
      expectEcho('shared session', await client.echo(expected), `Echo: ${expected}`);
    },
    close: () => client.close(),
  };
}

export function report(result) {
  const rows = Object.entries(result.byCount).flatMap(([count, byCase]) =>
    Object.entries(byCase).map(([name, r]) => ({ label: result.cases[name], sessions: count, ...r })),
  );
  const table = formatTable(
    [
      { title: 'case', key: 'label' },
      { title: 'sessions', key: 'sessions' },
      { title: 'n', key: 'n' },
      { title: 'p50 ms', key: 'p50', digits: 3 },
      { title: 'p99 ms', key: 'p99', digits: 3 },
      { title: 'calls/s', key: 'callsPerSecond' },
      { title: 'open ms', key: 'openMs' },
    ],
    rows,
  );
  const memory = result.serverMemory.meanMb === null ? 'server memory: not measured (no /proc)' : `server-everything: ${result.serverMemory.meanMb} MB resident per process (mean of ${result.serverMemory.processes}); (a) runs 1 process, (b) one per session`;
  return [`Sessions sharing one stateless upstream vs one process per session, tools/call echo through the runner`, '', table, memory, `conditions: ${result.conditions}`].join('\n');
}
