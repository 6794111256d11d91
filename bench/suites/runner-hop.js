// What the runner hop costs: `tools/call echo` on @modelcontextprotocol/server-everything (stdio),
// measured side by side in one run:
//
//   (a) runner   RunnerRelay (the control plane's relay) → nats-server (operator mode, runner JWT)
//                → a runner process (the built relay + ServerSupervisor) → the stdio server
//   (b) direct   the same server (another process of it) called by the MCP SDK's Client over
//                StdioClientTransport, in this process
//
// Both clients live in this process and each case has its own server process; the runner is a
// separate process, as on a real host. Sequential, one call in flight.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureSideBySide, ratios, summarize } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';

export const description = 'tools/call echo through the runner path (control plane → NATS → runner → stdio) vs the SDK client on stdio directly';
export const timeoutMs = 150_000;

const SETTINGS = { warmup: 200, iterations: 2_000, roundSize: 100, budgetMs: 40_000 };

const repoPath = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const controlPlane = (path) => new URL(`../../apps/control-plane/dist/${path}`, import.meta.url).href;
const RELAY_RUNNER = repoPath('apps/runner/test/fixtures/relay-runner.mjs');
const require = createRequire(import.meta.url);
const EVERYTHING_ENTRY = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');

export async function run({ signal, log, iterations = SETTINGS.iterations }) {
  const warmup = Math.min(SETTINGS.warmup, iterations);
  const cleanups = [];
  const defer = (name, fn) => cleanups.push({ name, fn });
  try {
    const { startNats } = await import('@switchyard/devstack');
    const { createNatsAuthBundle, signUserJwt, credsText } = await import('@switchyard/nats-auth');
    const { runnerPermissions } = await import('@switchyard/protocol');
    const { createUser } = await import('@nats-io/jwt');
    const { pino } = await import('pino');
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const { NatsLink } = await import(controlPlane('connections/nats-link.js'));
    const { RunnerRelay } = await import(controlPlane('relay/runner-relay.js'));

    const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-runner-hop-'));
    defer('temp dir', () => rmSync(dir, { recursive: true, force: true }));

    log('starting nats-server (operator mode, default max_payload)');
    const { bundle } = await createNatsAuthBundle({ operatorName: 'bench' });
    const nats = await startNats({ dir: join(dir, 'nats'), auth: bundle });
    defer('nats-server', () => nats.stop());

    const silent = pino({ level: 'silent' });
    const link = new NatsLink([nats.url], silent, { name: 'bench-control-plane', creds: bundle.controlPlaneUser.creds });
    defer('control-plane NATS link', () => link.close());
    const relay = new RunnerRelay(link, silent);
    defer('relay', () => relay.onApplicationShutdown());

    log('starting the runner process with server-everything placed on it');
    const runnerId = randomUUID();
    const key = createUser();
    const jwt = await signUserJwt({
      name: `runner-${runnerId}`,
      userPublicKey: key.getPublicKey(),
      accountPublicKey: bundle.appAccount.publicKey,
      accountSigningSeed: bundle.appAccount.signingSeed,
      permissions: runnerPermissions(runnerId),
    });
    const placement = {
      deploymentId: 'dep-everything',
      versionId: 'ver-1',
      serverName: 'everything',
      secretValues: {},
      launch: { transport: 'STDIO', command: 'node', args: [EVERYTHING_ENTRY, 'stdio'], env: {}, secretEnv: [], url: null, artifactIntegrity: null, stateless: false },
    };
    const runner = await startRunner({ NATS_URL: nats.url, RUNNER_ID: runnerId, RUNNER_CREDS: credsText(jwt, key), PLACEMENTS: JSON.stringify([placement]) }, signal);
    defer('runner process', () => runner.stop());

    const viaRunner = await relayClient(relay, runnerId, placement);
    defer('relay session', () => viaRunner.close());

    log('starting server-everything for the direct SDK client');
    const direct = new Client({ name: 'bench-direct', version: '0.0.0' });
    await direct.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'], stderr: 'ignore' }));
    defer('direct client', () => direct.close());

    const expected = 'Echo: hop';
    const check = (where, text) => {
      if (text !== expected) throw new Error(`${where}: expected "${expected}", got ${JSON.stringify(text).slice(0, 200)}`);
    };
    const cases = {
      runner: async () => check('runner', await viaRunner.echo('hop')),
      direct: async () => {
        const result = await direct.callTool({ name: 'echo', arguments: { message: 'hop' } });
        check('direct', result.content?.[0]?.text);
      },
    };
    log(`measuring: ${warmup} warm-up + ${iterations} calls per case, interleaved, sequential`);
    const measured = await measureSideBySide(cases, { iterations, warmup, roundSize: SETTINGS.roundSize, budgetMs: SETTINGS.budgetMs, signal });
    const stats = { runner: summarize(measured.samples.runner), direct: summarize(measured.samples.direct) };
    // Only the measured calls (the last ones), not the warm-up and the handshake.
    const measuredOnly = (list) => list.slice(-measured.samples.runner.length);
    const breakdown = { ack: summarize(measuredOnly(viaRunner.timings.ackMs)), answerAfterAck: summarize(measuredOnly(viaRunner.timings.answerAfterAckMs)) };
    return {
      settings: { ...SETTINGS, iterations, warmup },
      conditions:
        'sequential, one call in flight; both clients in the bench process; the runner and each server-everything in their own processes; ' +
        'nats-server 127.0.0.1 in operator mode, the runner with a least-privilege runner JWT',
      cases: {
        runner: { label: '(a) RunnerRelay → NATS → runner → stdio', ...stats.runner },
        direct: { label: '(b) SDK Client → stdio, direct', ...stats.direct },
      },
      ratios: { 'runner/direct': ratios(stats.runner, stats.direct) },
      runnerBreakdown: {
        ack: { label: '(a) until the runner acked (request/reply, written to stdin)', ...breakdown.ack, rps: undefined },
        answerAfterAck: { label: '(a) then until the answer arrived', ...breakdown.answerAfterAck, rps: undefined },
      },
      overheadMs: { p50: round3(stats.runner.p50 - stats.direct.p50), p99: round3(stats.runner.p99 - stats.direct.p99) },
      relayDropped: { ...relay.dropped },
      measured: { truncated: measured.truncated, wallMs: measured.wallMs, perCase: measured.samples.runner.length },
    };
  } finally {
    for (const { name, fn } of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error(`  runner-hop: cleanup of ${name} failed: ${error?.message ?? error}`);
      }
    }
  }
}

const round3 = (x) => Math.round(x * 1000) / 1000;

/** The runner stand-in process; resolves once it listens. */
async function startRunner(env, signal) {
  const child = spawn(process.execPath, [RELAY_RUNNER], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner not ready within 20 s: ${stderr}`)), 20_000);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    child.stdout.on('data', (chunk) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runner exited with ${code} before it was ready: ${stderr}`));
    });
  });
  return {
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * An initialized relay session with an `echo(text)` call that waits for its response by id. Each
 * call also records when the runner acknowledged it (the NATS request/reply, which returns once
 * the message is written to the server's stdin) and when the answer came back on `sy.cp.<id>.msg`.
 */
async function relayClient(relay, runnerId, placement) {
  const session = relay.openSession(runnerId, { sessionId: randomUUID(), deploymentId: placement.deploymentId, versionId: placement.versionId });
  const waiting = new Map();
  let failure;
  void (async () => {
    try {
      for await (const event of session.messages) {
        if (event.type !== 'message' || 'method' in event.message) continue;
        waiting.get(event.message.id)?.({ message: event.message, at: performance.now() });
        waiting.delete(event.message.id);
      }
    } catch (error) {
      failure = error;
      for (const resolve of waiting.values()) resolve({ message: { error: { message: error.message } }, at: performance.now() });
    }
  })();
  let nextId = 1;
  const timings = { ackMs: [], answerAfterAckMs: [] };
  const request = async (method, params) => {
    if (failure) throw failure;
    const id = nextId++;
    const answered = new Promise((resolve) => waiting.set(id, resolve));
    const t0 = performance.now();
    await session.send({ jsonrpc: '2.0', id, method, params });
    const acked = performance.now();
    const { message, at } = await answered;
    timings.ackMs.push(acked - t0);
    // The answer may overtake the ack (it travels on another subject): then this is negative.
    timings.answerAfterAckMs.push(at - acked);
    if (message.error) throw new Error(`${method} failed: ${message.error.message}`);
    return message.result;
  };
  await request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench-relay', version: '0.0.0' } });
  await session.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    echo: async (message) => (await request('tools/call', { name: 'echo', arguments: { message } })).content?.[0]?.text,
    timings,
    close: () => session.close('bench done'),
  };
}

export function report(result) {
  const latency = formatTable(
    [
      { title: 'case', key: 'label' },
      { title: 'n', key: 'n' },
      { title: 'p50 ms', key: 'p50', digits: 3 },
      { title: 'p90 ms', key: 'p90', digits: 3 },
      { title: 'p99 ms', key: 'p99', digits: 3 },
      { title: 'mean ms', key: 'mean', digits: 3 },
      { title: 'calls/s', key: 'rps' },
    ],
    [...Object.values(result.cases), ...Object.values(result.runnerBreakdown)],
  );
  const r = result.ratios['runner/direct'];
  const times = (x) => `${x.toFixed(2)}x`;
  const ratioTable = formatTable(
    [
      { title: 'ratio', key: 'ratio' },
      { title: 'p50', key: 'p50', align: 'right' },
      { title: 'p90', key: 'p90', align: 'right' },
      { title: 'p99', key: 'p99', align: 'right' },
      { title: 'mean', key: 'mean', align: 'right' },
    ],
    [{ ratio: '(a)/(b) runner / direct', p50: times(r.p50), p90: times(r.p90), p99: times(r.p99), mean: times(r.mean) }],
  );
  const note = result.measured.truncated ? `\nNOTE: the time budget cut the run short at ${result.measured.perCase} calls per case.` : '';
  return [
    `Runner hop, ${result.measured.perCase} sequential tools/call echo per case after ${result.settings.warmup} warm-up, interleaved (${(result.measured.wallMs / 1000).toFixed(1)} s)`,
    '',
    latency,
    '',
    ratioTable,
    `the hop adds ${result.overheadMs.p50} ms at p50 and ${result.overheadMs.p99} ms at p99`,
    `conditions: ${result.conditions}` + note,
  ].join('\n');
}
