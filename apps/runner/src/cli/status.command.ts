import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { runnerFiles, identitySchema, type RunnerIdentity } from '../config/data-files.js';
import { loadRunnerConfig, RunnerConfigError } from '../config/runner-config.js';
import type { CliIo } from './cli-io.js';

/** Exit codes of `status`, in the spirit of `systemctl status`: scriptable without parsing. */
export const STATUS_EXIT = { OK: 0, PROBLEM: 1, NOT_ENROLLED: 3 } as const;

type IdentityState = { kind: 'missing' } | { kind: 'ok'; identity: RunnerIdentity } | { kind: 'unreadable'; reason: string };

async function readIdentity(file: string): Promise<IdentityState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', reason: (error as Error).message };
  }
  try {
    const parsed = identitySchema.safeParse(JSON.parse(text));
    return parsed.success ? { kind: 'ok', identity: parsed.data } : { kind: 'unreadable', reason: 'no runnerId in it' };
  } catch {
    return { kind: 'unreadable', reason: 'not valid JSON' };
  }
}

/** The credential file holds the runner's private nkey seed: only its owner may read it. */
async function describeCredentials(file: string): Promise<{ line: string; ok: boolean; present: boolean }> {
  let mode: number;
  try {
    mode = (await stat(file)).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { line: `${file} (missing)`, ok: false, present: false };
    return { line: `${file} (cannot be read: ${(error as Error).message})`, ok: false, present: true };
  }
  const octal = mode.toString(8).padStart(4, '0');
  if (mode !== 0o600) {
    return { line: `${file} (mode ${octal}: expected 0600 — fix with: chmod 600 ${file})`, ok: false, present: true };
  }
  return { line: `${file} (mode 0600)`, ok: true, present: true };
}

/**
 * `switchyard-runner status`: which config is in effect, whether this host is enrolled, and whether
 * the credential file is in place with mode 0600. Reads local files only; it does not contact
 * the control plane or NATS, so it also works while the runner service is stopped.
 */
export async function runStatusCommand(options: { configPath?: string; env: Record<string, string | undefined>; io: CliIo }): Promise<number> {
  const { io } = options;
  let config;
  try {
    config = loadRunnerConfig({ path: options.configPath, env: options.env });
  } catch (error) {
    if (!(error instanceof RunnerConfigError)) throw error;
    io.err(`${error.message}\n`);
    return STATUS_EXIT.PROBLEM;
  }
  const files = runnerFiles(config.dataDir);
  const lines: Array<[string, string]> = [
    ['config', existsSync(config.configPath) ? config.configPath : `${config.configPath} (not found: environment and defaults only)`],
    ['control plane', config.controlPlaneUrl],
    ['name', config.name],
    ['data dir', config.dataDir],
  ];

  const identity = await readIdentity(files.identity);
  const credentials = await describeCredentials(files.credentials);
  let exit: number = STATUS_EXIT.OK;
  if (identity.kind === 'ok') {
    const enrolled = identity.identity.enrolledAt ? ` (enrolled ${identity.identity.enrolledAt})` : '';
    lines.push(['runner id', `${identity.identity.runnerId}${enrolled}`]);
  } else if (identity.kind === 'missing') {
    lines.push(['runner id', `not enrolled (no ${files.identity}): run switchyard-runner enroll --url <control-plane> --token <token>`]);
    exit = STATUS_EXIT.NOT_ENROLLED;
  } else {
    lines.push(['runner id', `${files.identity} is unreadable: ${identity.reason}`]);
    exit = STATUS_EXIT.PROBLEM;
  }
  lines.push(['credentials', credentials.line]);
  // Missing credentials are expected before enrollment; a present but loose file never is.
  if (!credentials.ok && (credentials.present || identity.kind === 'ok')) exit = STATUS_EXIT.PROBLEM;

  const width = Math.max(...lines.map(([label]) => label.length)) + 2;
  io.out(lines.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}\n`).join(''));
  return exit;
}
