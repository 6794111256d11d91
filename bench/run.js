#!/usr/bin/env node
// Benchmark runner: `npm run bench [-- <suite>...]`.
//
// Discovers bench/suites/*.js and runs them one after another (all of them, or only those named),
// on the built code in dist/. Each suite prints its tables and its result is written to
// bench/results/<yyyy-mm-dd>-<suite>.json and merged into bench/results/latest.json.
// Speed targets live here, as ratios measured side by side in one run — never as timing asserts
// in tests. See bench/README.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(benchDir);
const suitesDir = join(benchDir, 'suites');
const resultsDir = join(benchDir, 'results');
const BUILT_MARKER = join(repoRoot, 'apps/control-plane/dist/create-app.js');
/** A suite that has not finished by then is aborted (it cleans up and fails). */
const DEFAULT_SUITE_TIMEOUT_MS = 180_000;
/** After an abort, how long cleanup may take before we give up and exit. */
const CLEANUP_GRACE_MS = 30_000;
/** --smoke: measured iterations per case unless --iterations says otherwise. */
const SMOKE_ITERATIONS = 20;

function usage() {
  return [
    'usage: npm run bench [-- [options] [suite...]]',
    '',
    '  suite           run only these suites (file names in bench/suites, without .js)',
    '  --list          list the suites and exit',
    '  --iterations=N  measured iterations per case (suites pick their own default)',
    '  --no-write      print the tables but write nothing under bench/results/',
    `  --smoke         check that the suites work, not how fast: each shrinks its own work (fewer`,
    `                  runners, levels, rounds), --iterations=${SMOKE_ITERATIONS} unless given; implies --no-write`,
    '',
    'Runs on the built code: run `npm run build` first.',
  ].join('\n');
}

function parseArgs(argv) {
  const options = { names: [], list: false, write: true, smoke: false, iterations: undefined };
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      console.log(usage());
      process.exit(0);
    } else if (arg === '--list') options.list = true;
    else if (arg === '--no-write') options.write = false;
    else if (arg === '--smoke') options.smoke = true;
    else if (arg.startsWith('--iterations=')) {
      const n = Number(arg.slice('--iterations='.length));
      if (!Number.isInteger(n) || n < 1) fail(`--iterations expects a positive integer, got "${arg}"`);
      options.iterations = n;
    } else if (arg.startsWith('-')) fail(`unknown option ${arg}\n\n${usage()}`);
    else options.names.push(arg.replace(/\.js$/, ''));
  }
  if (options.smoke) {
    // Smoke sizes measure nothing worth keeping: bench/results/ is committed data.
    options.write = false;
    options.iterations ??= SMOKE_ITERATIONS;
  }
  return options;
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

function discoverSuites() {
  if (!existsSync(suitesDir)) return [];
  return readdirSync(suitesDir)
    .filter((file) => file.endsWith('.js') && !file.startsWith('_'))
    .sort()
    .map((file) => ({ name: basename(file, '.js'), file: join(suitesDir, file) }));
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function machineFacts() {
  const cpus = os.cpus();
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    os: `${os.type()} ${os.release()}`,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cpuCount: cpus.length,
    availableParallelism: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    gitCommit: git(['rev-parse', 'HEAD']),
    gitDirty: status === undefined ? undefined : status.length > 0,
  };
}

function writeJson(file, value) {
  // Written beside and renamed, so a reader never sees half a file (*.tmp.json is git-ignored).
  const tmp = file.replace(/\.json$/, '.tmp.json');
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

async function runSuite(suite, options, machine) {
  const module = await import(pathToFileURL(suite.file).href);
  if (typeof module.run !== 'function') throw new Error(`${relative(repoRoot, suite.file)} does not export run(ctx)`);
  const controller = new AbortController();
  const timeoutMs = module.timeoutMs ?? DEFAULT_SUITE_TIMEOUT_MS;
  const timer = setTimeout(() => controller.abort(new Error(`suite ${suite.name} took longer than ${timeoutMs / 1000} s`)), timeoutMs);
  const onSignal = (signal) => {
    if (controller.signal.aborted) {
      console.error(`\nbench: ${signal} again, exiting without waiting for cleanup`);
      process.exit(130);
    }
    console.error(`\nbench: ${signal}, stopping ${suite.name} and cleaning up (again to force)`);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  // Our own handlers: devstack then leaves the shutdown order to us (the suite's finally blocks).
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // If cleanup after an abort hangs, do not hang with it.
  controller.signal.addEventListener('abort', () => {
    setTimeout(() => {
      console.error(`bench: cleanup of ${suite.name} did not finish within ${CLEANUP_GRACE_MS / 1000} s, exiting`);
      process.exit(1);
    }, CLEANUP_GRACE_MS).unref();
  });

  const date = new Date();
  const started = performance.now();
  const log = (line) => console.log(`  [${suite.name} ${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  try {
    const result = await module.run({ signal: controller.signal, log, iterations: options.iterations, smoke: options.smoke, repoRoot });
    const durationMs = Math.round(performance.now() - started);
    return {
      suite: suite.name,
      description: module.description,
      date: date.toISOString(),
      durationMs,
      machine,
      result,
      report: typeof module.report === 'function' ? module.report(result) : JSON.stringify(result, null, 2),
    };
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const suites = discoverSuites();
  if (options.list) {
    for (const suite of suites) {
      const module = await import(pathToFileURL(suite.file).href);
      console.log(`${suite.name.padEnd(20)} ${module.description ?? ''}`);
    }
    return;
  }
  if (!existsSync(BUILT_MARKER)) {
    fail(`${relative(repoRoot, BUILT_MARKER)} is missing: run npm run build first`);
  }
  const unknown = options.names.filter((name) => !suites.some((s) => s.name === name));
  if (unknown.length > 0) fail(`no such suite: ${unknown.join(', ')} (have: ${suites.map((s) => s.name).join(', ') || 'none'})`);
  const selected = options.names.length > 0 ? suites.filter((s) => options.names.includes(s.name)) : suites;
  if (selected.length === 0) fail(`no suites in ${relative(repoRoot, suitesDir)}`);

  const machine = machineFacts();
  console.log(`bench: ${selected.map((s) => s.name).join(', ')} on node ${machine.node}, ${machine.cpuCount} CPU(s) (${machine.cpuModel})`);
  if (options.smoke) console.log(`bench: smoke run (tiny sizes, ${options.iterations} iterations): the figures mean nothing and nothing is written`);
  let failed = 0;
  for (const suite of selected) {
    console.log(`\n== ${suite.name}`);
    let outcome;
    try {
      outcome = await runSuite(suite, options, machine);
    } catch (error) {
      failed++;
      console.error(`bench: suite ${suite.name} failed: ${error?.stack ?? error}`);
      if (error?.message?.startsWith('interrupted by')) break;
      continue;
    }
    const { report, ...doc } = outcome;
    console.log(`\n${report}\n`);
    console.log(`(${suite.name} took ${(doc.durationMs / 1000).toFixed(1)} s)`);
    if (options.write) {
      mkdirSync(resultsDir, { recursive: true });
      const file = join(resultsDir, `${doc.date.slice(0, 10)}-${suite.name}.json`);
      writeJson(file, doc);
      const latestFile = join(resultsDir, 'latest.json');
      const latest = readJson(latestFile) ?? {};
      writeJson(latestFile, { updatedAt: doc.date, suites: { ...(latest.suites ?? {}), [suite.name]: doc } });
      console.log(`wrote ${relative(repoRoot, file)} and ${relative(repoRoot, latestFile)}`);
    }
  }
  if (failed > 0) {
    console.error(`\nbench: ${failed} suite(s) failed`);
    process.exitCode = 1;
  }
}

await main();
// Everything was closed; if some handle still keeps the loop alive, do not hang on it.
setTimeout(() => {
  console.error('bench: a handle kept the process alive after the last suite; exiting');
  process.exit(process.exitCode ?? 0);
}, 5_000).unref();
