// How 20 runners come back after a nats-server restart: the spread of their reconnect times.
// Side by side in one run, on the same server and the same restarts:
//
//   (a) runners    20 `switchyard-runner start` processes (the built CLI, each with its own
//                  least-privilege runner JWT); nats.js reconnect wait 1 s + jitter up to 1 s
//   (b) no jitter  20 nats.js connections in this process with the same 1 s wait and no jitter:
//                  what "all in the same instant" looks like on this machine
//
// nats-server (operator mode) is stopped, left down for OUTAGE_MS, and started again on the same
// port and resolver dir. Each connection's delay is its CONNZ `start` minus the server's VARZ
// `start` (both the server's clock). No control plane: nothing here needs one.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerCreds } from '../lib/runner.js';
import { createCleanups } from '../lib/stack.js';
import { percentile, round } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';

export const description = 'spread of reconnect times of 20 switchyard-runner processes after a nats-server restart, vs 20 connections without jitter';
export const timeoutMs = 180_000;

const SETTINGS = { runners: 20, warmupRestarts: 1, restarts: 3, outageMs: 2_500, bucketMs: 100, heartbeatSeconds: 5 };
/** --smoke: 3 runners, one restart, no warm-up restart, a shorter outage. */
const SMOKE = { runners: 3, warmupRestarts: 0, restarts: 1, outageMs: 1_000 };
/** What RunnerAgent sets (reconnectTimeWait, reconnectJitter): the baseline uses the same wait. */
const RUNNER_RECONNECT = { waitMs: 1_000, jitterMs: 1_000 };

const RUNNER_CLI = fileURLToPath(new URL('../../apps/runner/dist/cli.js', import.meta.url));

export async function run({ signal, log, smoke = false }) {
  const settings = smoke ? { ...SETTINGS, ...SMOKE } : SETTINGS;
  const { defer, runAll } = createCleanups('runner-reconnect');
  try {
    const { startNats, getFreePort } = await import('@switchyard/devstack');
    const { createNatsAuthBundle } = await import('@switchyard/nats-auth');
    const { connect, credsAuthenticator } = await import('@nats-io/transport-node');

    const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-runner-reconnect-'));
    defer('temp dir', () => rmSync(dir, { recursive: true, force: true }));
    const { bundle } = await createNatsAuthBundle({ operatorName: 'bench-reconnect' });
    const natsOptions = { dir: join(dir, 'nats'), auth: bundle, port: await getFreePort() };
    let nats = await startNats(natsOptions);
    defer('nats-server', () => nats.stop());
    const authenticator = (creds) => credsAuthenticator(new TextEncoder().encode(creds));
    const sys = await connect({ servers: nats.url, authenticator: authenticator(bundle.systemUser.creds), maxReconnectAttempts: -1, reconnectTimeWait: 50, reconnectJitter: 0 });
    defer('SYS connection', () => sys.close());

    log(`starting ${settings.runners} switchyard-runner processes`);
    const spawnStarted = performance.now();
    const runners = [];
    for (let i = 0; i < settings.runners; i++) {
      const runnerId = randomUUID();
      const hostDir = join(dir, `host-${i}`);
      const dataDir = join(hostDir, 'data');
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(dataDir, 'runner.creds'), await runnerCreds(bundle, runnerId), { mode: 0o600 });
      writeFileSync(join(dataDir, 'identity.json'), JSON.stringify({ runnerId, natsUrls: [nats.url] }), { mode: 0o600 });
      const config = join(hostDir, 'runner.json');
      // start never calls the control plane; the URL is only required by the config schema.
      writeFileSync(config, JSON.stringify({ controlPlaneUrl: 'http://127.0.0.1:9', dataDir, name: `bench-${i}`, heartbeatSeconds: settings.heartbeatSeconds }));
      runners.push(startRunnerProcess(config));
    }
    defer('runner processes', () => Promise.all(runners.map((r) => r.stop())));

    const baseline = [];
    for (let i = 0; i < settings.runners; i++) {
      baseline.push(
        await connect({
          servers: nats.url,
          name: `bench-no-jitter-${i}`,
          authenticator: authenticator(bundle.controlPlaneUser.creds),
          maxReconnectAttempts: -1,
          reconnectTimeWait: RUNNER_RECONNECT.waitMs,
          reconnectJitter: 0,
        }),
      );
    }
    defer('baseline connections', () => Promise.all(baseline.map((nc) => nc.close())));

    const kindOf = (name) => (name.startsWith('switchyard-runner ') ? 'runners' : name.startsWith('bench-no-jitter-') ? 'noJitter' : undefined);
    const connected = async () => {
      const all = await connz(sys, bundle.appAccount.publicKey);
      return { runners: all.filter((c) => kindOf(c.name) === 'runners'), noJitter: all.filter((c) => kindOf(c.name) === 'noJitter') };
    };
    let lastSeen = { runners: 0, noJitter: 0 };
    const allBack = async () => {
      const now = await connected();
      lastSeen = { runners: now.runners.length, noJitter: now.noJitter.length };
      return now.runners.length === settings.runners && now.noJitter.length === settings.runners;
    };
    /** Who is missing, for a timeout's message: the counts last seen, and a runner's exit if one exited. */
    const missing = () =>
      `runners ${lastSeen.runners}/${settings.runners}, no-jitter clients ${lastSeen.noJitter}/${settings.runners}; ${runners.map((r) => r.problem()).filter(Boolean)[0] ?? 'no runner exited'}`;
    await waitFor(allBack, 60_000, signal, () => `all ${settings.runners} runners connected (${runners.map((r) => r.problem()).filter(Boolean)[0] ?? 'no runner exited'})`);
    const startupMs = Math.round(performance.now() - spawnStarted);
    log(`${settings.runners} runner processes connected in ${startupMs} ms`);

    const delays = { runners: [], noJitter: [] };
    const perRestart = [];
    // A warm-up restart first: before it, the connections of (b) are out of phase only because they
    // were opened one after another while 20 processes were starting; it is measured but not kept.
    for (let restart = 1 - settings.warmupRestarts; restart <= settings.restarts; restart++) {
      signal.throwIfAborted();
      log(`restart ${restart < 1 ? 'warm-up' : `${restart}/${settings.restarts}`}: stopping nats-server for ${settings.outageMs} ms`);
      await nats.stop();
      // The outage is the scenario, not a wait for an event.
      await new Promise((resolve) => setTimeout(resolve, settings.outageMs));
      nats = await startNats(natsOptions);
      await waitFor(allBack, 30_000, signal, () => `everyone back after restart ${restart} (${missing()})`);
      const serverStart = await varzStart(sys);
      const back = await connected();
      if (restart < 1) continue;
      const round = {};
      for (const kind of ['runners', 'noJitter']) {
        const list = back[kind].map((c) => c.startedAtMs - serverStart);
        delays[kind].push(...list);
        round[kind] = spreadOf(list, settings);
      }
      perRestart.push({ restart, ...round });
    }
    const runnerProblems = runners.map((r) => r.problem()).filter(Boolean);
    if (runnerProblems.length > 0) throw new Error(`runner processes exited during the run: ${runnerProblems[0]}`);

    const pooled = { runners: spreadOf(delays.runners, settings), noJitter: spreadOf(delays.noJitter, settings) };
    return {
      settings: { ...settings, runnerReconnect: RUNNER_RECONNECT },
      conditions:
        `${settings.runners} switchyard-runner processes (built CLI, one least-privilege JWT each, heartbeat every ${settings.heartbeatSeconds} s) and ` +
        `${settings.runners} nats.js connections without jitter in the bench process; nats-server 127.0.0.1 in operator mode, ` +
        `stopped for ${settings.outageMs} ms and restarted on the same port ${settings.warmupRestarts} + ${settings.restarts} times (the first not counted); delay = CONNZ start − VARZ start`,
      startupMs,
      cases: {
        runners: { label: `(a) runners (wait ${RUNNER_RECONNECT.waitMs} ms + jitter ≤ ${RUNNER_RECONNECT.jitterMs} ms)`, ...pooled.runners },
        noJitter: { label: `(b) no jitter (wait ${RUNNER_RECONNECT.waitMs} ms)`, ...pooled.noJitter },
      },
      ratios: {
        'runners/noJitter spread': pooled.noJitter.meanSpreadPerRestart > 0 ? round2(pooled.runners.meanSpreadPerRestart / pooled.noJitter.meanSpreadPerRestart) : null,
        'runners/noJitter buckets': round2(pooled.runners.meanBucketsPerRestart / pooled.noJitter.meanBucketsPerRestart),
      },
      perRestart,
    };
  } finally {
    await runAll();
  }
}

const round2 = (x) => Math.round(x * 100) / 100;

/** min/p50/p90/max of delays (ms) and the distinct `bucketMs` slots they fall into; `runners` delays per restart. */
function spreadOf(delays, { runners, bucketMs }) {
  const sorted = Float64Array.from(delays).sort();
  const buckets = (list) => new Set(list.map((d) => Math.floor(d / bucketMs))).size;
  const spread = (list) => Math.max(...list) - Math.min(...list);
  const restarts = [];
  for (let i = 0; i < delays.length; i += runners) restarts.push(delays.slice(i, i + runners));
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    n: delays.length,
    min: round(sorted[0], 0),
    p50: round(percentile(sorted, 50), 0),
    p90: round(percentile(sorted, 90), 0),
    max: round(sorted[sorted.length - 1], 0),
    // Spread (max − min) and slots per restart, averaged: pooling restarts would add spread and
    // slots that no single restart had.
    meanSpreadPerRestart: round(mean(restarts.map(spread)), 0),
    meanBucketsPerRestart: round2(mean(restarts.map(buckets))),
  };
}

const decoder = new TextDecoder();

async function connz(sys, account) {
  const reply = await sys.request('$SYS.REQ.SERVER.PING.CONNZ', JSON.stringify({ acc: account, limit: 1024 }), { timeout: 2_000 });
  const body = JSON.parse(decoder.decode(reply.data));
  if (!body.data) throw new Error(`CONNZ failed: ${decoder.decode(reply.data)}`);
  return (body.data.connections ?? []).map((c) => ({ name: c.name ?? '', startedAtMs: Date.parse(c.start) }));
}

async function varzStart(sys) {
  const reply = await sys.request('$SYS.REQ.SERVER.PING.VARZ', '', { timeout: 2_000 });
  return Date.parse(JSON.parse(decoder.decode(reply.data)).data.start);
}

async function waitFor(condition, timeoutMs, signal, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    signal.throwIfAborted();
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `switchyard-runner start` with only PATH from our environment; stdout (JSON logs) is dropped. */
function startRunnerProcess(config) {
  const child = spawn(process.execPath, [RUNNER_CLI, 'start', '--config', config], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    problem: () => (running() ? undefined : `exit ${child.exitCode ?? child.signalCode}: ${stderr.trim()}`),
    stop: async () => {
      if (running()) child.kill('SIGTERM');
      await exited;
    },
  };
}

export function report(result) {
  const table = formatTable(
    [
      { title: 'case', key: 'label' },
      { title: 'n', key: 'n' },
      { title: 'min ms', key: 'min' },
      { title: 'p50 ms', key: 'p50' },
      { title: 'p90 ms', key: 'p90' },
      { title: 'max ms', key: 'max' },
      { title: 'spread ms/restart', key: 'meanSpreadPerRestart' },
      { title: `${result.settings.bucketMs} ms slots/restart`, key: 'meanBucketsPerRestart', digits: 1 },
    ],
    Object.values(result.cases),
  );
  const rounds = formatTable(
    [
      { title: 'restart', key: 'restart' },
      { title: '(a) min/p50/max ms', key: 'a' },
      { title: '(a) slots', key: 'aSlots' },
      { title: '(b) min/p50/max ms', key: 'b' },
      { title: '(b) slots', key: 'bSlots' },
    ],
    result.perRestart.map((r) => ({
      restart: r.restart,
      a: `${r.runners.min} / ${r.runners.p50} / ${r.runners.max}`,
      aSlots: r.runners.meanBucketsPerRestart,
      b: `${r.noJitter.min} / ${r.noJitter.p50} / ${r.noJitter.max}`,
      bSlots: r.noJitter.meanBucketsPerRestart,
    })),
  );
  return [
    `Reconnect after a nats-server restart: delay from the server's start to each connection's (${result.settings.restarts} restarts after ${result.settings.warmupRestarts} warm-up, ${result.settings.outageMs} ms down)`,
    '',
    table,
    '',
    rounds,
    '',
    `ratios (a)/(b): spread ${result.ratios['runners/noJitter spread'] ?? 'n/a (b has no spread)'}x, slots ${result.ratios['runners/noJitter buckets']}x`,
    `${result.settings.runners} runner processes started and connected in ${result.startupMs} ms`,
    `conditions: ${result.conditions}`,
  ].join('\n');
}
