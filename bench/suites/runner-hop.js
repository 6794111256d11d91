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
import { randomUUID } from 'node:crypto';
import { EVERYTHING_ENTRY, EVERYTHING_LAUNCH, expectEcho, relayClient, runnerCreds, startNatsWithRelay, startRelayRunner } from '../lib/runner.js';
import { createCleanups } from '../lib/stack.js';
import { measureSideBySide, ratios, round, summarize } from '../lib/stats.js';
import { formatRatioTable, formatTable, latencyColumns, truncationNote } from '../lib/table.js';

export const description = 'tools/call echo through the runner path (control plane → NATS → runner → stdio) vs the SDK client on stdio directly';
export const timeoutMs = 150_000;

const SETTINGS = { warmup: 200, iterations: 2_000, roundSize: 100, budgetMs: 40_000 };

export async function run({ signal, log, iterations = SETTINGS.iterations }) {
  const warmup = Math.min(SETTINGS.warmup, iterations);
  const { defer, runAll } = createCleanups('runner-hop');
  try {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const { nats, bundle, relay } = await startNatsWithRelay({ suite: 'runner-hop', defer, log });

    log('starting the runner process with server-everything placed on it');
    const runnerId = randomUUID();
    const placement = {
      deploymentId: 'dep-everything',
      versionId: 'ver-1',
      serverName: 'everything',
      secretValues: {},
      launch: EVERYTHING_LAUNCH,
    };
    const runner = await startRelayRunner({ NATS_URL: nats.url, RUNNER_ID: runnerId, RUNNER_CREDS: await runnerCreds(bundle, runnerId), PLACEMENTS: JSON.stringify([placement]) }, signal);
    defer('runner process', () => runner.stop());

    const viaRunner = await relayClient(relay, runnerId, placement);
    defer('relay session', () => viaRunner.close());

    log('starting server-everything for the direct SDK client');
    const direct = new Client({ name: 'bench-direct', version: '0.0.0' });
    await direct.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'], stderr: 'ignore' }));
    defer('direct client', () => direct.close());

    const cases = {
      runner: async () => expectEcho('runner', await viaRunner.echo('hop')),
      direct: async () => {
        const result = await direct.callTool({ name: 'echo', arguments: { message: 'hop' } });
        expectEcho('direct', result.content?.[0]?.text);
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
      overheadMs: { p50: round(stats.runner.p50 - stats.direct.p50), p99: round(stats.runner.p99 - stats.direct.p99) },
      relayDropped: { ...relay.dropped },
      measured: { truncated: measured.truncated, wallMs: measured.wallMs, perCase: measured.samples.runner.length },
    };
  } finally {
    await runAll();
  }
}

export function report(result) {
  const latency = formatTable([...latencyColumns(), { title: 'calls/s', key: 'rps' }], [...Object.values(result.cases), ...Object.values(result.runnerBreakdown)]);
  const ratioTable = formatRatioTable([{ ratio: '(a)/(b) runner / direct', ...result.ratios['runner/direct'] }]);
  return [
    `Runner hop, ${result.measured.perCase} sequential tools/call echo per case after ${result.settings.warmup} warm-up, interleaved (${(result.measured.wallMs / 1000).toFixed(1)} s)`,
    '',
    latency,
    '',
    ratioTable,
    `the hop adds ${result.overheadMs.p50} ms at p50 and ${result.overheadMs.p99} ms at p99`,
    `conditions: ${result.conditions}` + truncationNote(result.measured),
  ].join('\n');
}
