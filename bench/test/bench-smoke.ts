// Runs benchmark suites as `node bench/run.js --smoke <suite>` does for a person: a child process on
// the built code, tiny sizes, nothing written under bench/results/. The suites are not otherwise
// exercised by `npm test`; this proves that each still starts, measures, cleans up and reports.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(dirname(fileURLToPath(import.meta.url)));
const RUN_JS = join(benchDir, 'run.js');

/** Suites smoked in their own spec file: they take the longest, and jest runs files in parallel. */
export const GATEWAY_SUITES = ['gateway', 'gateway-bridges'];

/** Every suite bench/run.js would run (bench/suites/*.js, not starting with `_`), in name order. */
export function benchSuites(): string[] {
  return readdirSync(join(benchDir, 'suites'))
    .filter((file) => file.endsWith('.js') && !file.startsWith('_'))
    .map((file) => file.slice(0, -'.js'.length))
    .sort();
}

export interface BenchRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `node bench/run.js <args>` with jest's NODE_OPTIONS (vm modules) left out. */
export function runBench(args: string[]): Promise<BenchRun> {
  const { NODE_OPTIONS: _jestOnly, ...env } = process.env;
  const child = spawn(process.execPath, [RUN_JS, ...args], { cwd: dirname(benchDir), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** What `--smoke <suite>` printed as the suite's report: between its log lines and "(<suite> took …)". */
export function reportOf(suite: string, stdout: string): string {
  const took = stdout.lastIndexOf(`\n(${suite} took `);
  if (took < 0) return '';
  return stdout
    .slice(stdout.indexOf(`\n== ${suite}\n`), took)
    .split('\n')
    .filter((line) => !line.startsWith(`  [${suite} `) && line !== `== ${suite}`)
    .join('\n')
    .trim();
}

/**
 * Smokes one suite and checks what a person would look at: exit 0, a report with at least one
 * table (a header ruled with dashes) and no NaN in it (a size too small to give a figure), and
 * nothing written. On failure the message carries the end of the output.
 */
export async function expectSuiteSmokes(suite: string): Promise<void> {
  const run = await runBench(['--smoke', suite]);
  const output = `--- stdout (end)\n${run.stdout.slice(-4_000)}\n--- stderr (end)\n${run.stderr.slice(-4_000)}`;
  if (run.code !== 0) throw new Error(`bench/run.js --smoke ${suite} exited with ${run.code ?? run.signal}\n${output}`);
  const report = reportOf(suite, run.stdout);
  if (!/^-+(?: {2}-+)*$/m.test(report)) throw new Error(`${suite}: the report has no table\n${output}`);
  expect(report).not.toMatch(/NaN/);
  expect(run.stdout).toContain('smoke run (tiny sizes');
  expect(run.stdout).not.toMatch(/^wrote /m);
}
