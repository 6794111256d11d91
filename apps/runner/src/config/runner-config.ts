import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { z } from 'zod';
import { CONFIG_PATH_VARIABLE, DEFAULT_CONFIG_PATH, ENV_OVERRIDES, runnerConfigSchemaFor } from './runner-config.schema.js';

/** The validated, frozen configuration of one runner process. */
export interface RunnerConfig {
  /** The file the configuration was read from (it may not exist when everything comes from the environment). */
  readonly configPath: string;
  readonly controlPlaneUrl: string;
  readonly dataDir: string;
  readonly name: string;
  readonly capacity: number;
  readonly labels: Readonly<Record<string, string>>;
  /** null: use the URLs received at enrollment. */
  readonly natsUrls: readonly string[] | null;
  readonly tls: { readonly caFile: string | null };
  readonly logLevel: string;
  readonly heartbeatSeconds: number;
  readonly drainGraceSeconds: number;
}

/** The configuration is unusable; `problems` has one line per problem, naming key and source. */
export class RunnerConfigError extends Error {
  override readonly name = 'RunnerConfigError';

  constructor(readonly problems: string[]) {
    super(`invalid runner configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

export interface LoadRunnerConfigOptions {
  /** `--config`; when given (or set in SWITCHYARD_RUNNER_CONFIG) the file must exist. */
  path?: string;
  env: Record<string, string | undefined>;
  /** Returns the file's text, or null when it does not exist. */
  readFile?: (path: string) => string | null;
  hostname?: () => string;
  /**
   * Values from command-line flags (`enroll --url`, `--name`): they win over the file and the
   * environment, and problems with them name the flag.
   */
  flags?: Partial<Record<'controlPlaneUrl' | 'name', { value: string; flag: string }>>;
  /** `enroll --insecure-http`: accept a plain http:// control-plane URL on any host. */
  insecureHttp?: boolean;
}

type Json = Record<string, unknown>;

function readFileIfPresent(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Which config file to read: --config, then SWITCHYARD_RUNNER_CONFIG, then the default. */
export function resolveConfigPath(explicit: string | undefined, env: Record<string, string | undefined>): { path: string; required: boolean } {
  const given = explicit ?? (env[CONFIG_PATH_VARIABLE] || undefined);
  return given === undefined ? { path: DEFAULT_CONFIG_PATH, required: false } : { path: given, required: true };
}

function setPath(target: Json, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null || Array.isArray(node[key])) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1]] = value;
}

function valueAt(source: unknown, path: readonly PropertyKey[]): unknown {
  let node = source;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Applies SWITCHYARD_RUNNER_* over the file's values; returns which keys came from which variable. */
function applyEnvOverrides(config: Json, env: Record<string, string | undefined>, problems: string[]): Map<string, string> {
  const sources = new Map<string, string>();
  for (const [variable, { key, read }] of Object.entries(ENV_OVERRIDES)) {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') continue;
    sources.set(key, variable);
    if (read === 'number') {
      // A non-numeric string is passed on as is, so the schema reports it in its own words.
      setPath(config, key, /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw);
    } else if (read === 'list') {
      setPath(config, key, raw.split(',').map((item) => item.trim()).filter(Boolean));
    } else if (read === 'labels') {
      const labels: Record<string, string> = {};
      for (const pair of raw.split(',').map((item) => item.trim()).filter(Boolean)) {
        const at = pair.indexOf('=');
        if (at <= 0) {
          problems.push(`${variable}: expected name=value pairs separated by commas, got "${pair}"`);
          continue;
        }
        labels[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
      }
      setPath(config, key, labels);
    } else {
      setPath(config, key, raw.trim());
    }
  }
  return sources;
}

function describeIssue(issue: z.core.$ZodIssue, merged: Json, sources: Map<string, string>, file: { path: string }): string {
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = key === '' ? '' : `${key}.`;
    return `${issue.keys.map((k) => `${where}${k}`).join(', ')}: unknown key (in ${file.path})`;
  }
  const variable = Object.entries(ENV_OVERRIDES).find(([, override]) => override.key === key)?.[0];
  if (valueAt(merged, issue.path) === undefined) {
    return `${key}: is required (set it in ${file.path}${variable ? ` or ${variable}` : ''})`;
  }
  // A bad record key (a label name) carries the real message one level down.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  // The value may sit inside an overridden key (`natsUrls.0`, `labels.x`): the closest override wins.
  const keys = issue.path.map(String);
  const source = keys.map((_, i) => sources.get(keys.slice(0, keys.length - i).join('.'))).find((s) => s !== undefined);
  return `${key}: ${message} (${source ? `from ${source}` : `in ${file.path}`})`;
}

/**
 * Reads the config file, applies SWITCHYARD_RUNNER_* overrides and validates the result. Every
 * problem is one line naming the key and where its value came from.
 */
export function loadRunnerConfig(options: LoadRunnerConfigOptions): RunnerConfig {
  const { env } = options;
  const { path, required } = resolveConfigPath(options.path, env);
  const problems: string[] = [];

  let fileConfig: Json = {};
  const text = (options.readFile ?? readFileIfPresent)(path);
  if (text === null) {
    if (required) problems.push(`${path}: config file not found`);
  } else {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) problems.push(`${path}: expected a JSON object`);
      else fileConfig = parsed as Json;
    } catch (error) {
      problems.push(`${path}: not valid JSON (${(error as Error).message})`);
    }
  }

  const merged: Json = structuredClone(fileConfig);
  const sources = applyEnvOverrides(merged, env, problems);
  for (const [key, given] of Object.entries(options.flags ?? {})) {
    setPath(merged, key, given.value);
    sources.set(key, given.flag);
  }
  const result = runnerConfigSchemaFor({ insecureHttp: options.insecureHttp ?? false }).safeParse(merged);
  if (!result.success) {
    problems.push(...result.error.issues.map((issue) => describeIssue(issue, merged, sources, { path })));
  }
  if (problems.length > 0 || !result.success) throw new RunnerConfigError(problems);

  const c = result.data;
  return Object.freeze({
    configPath: path,
    controlPlaneUrl: c.controlPlaneUrl,
    dataDir: c.dataDir,
    name: c.name ?? (options.hostname ?? hostname)(),
    capacity: c.capacity,
    labels: Object.freeze({ ...c.labels }),
    natsUrls: c.natsUrls ? Object.freeze([...c.natsUrls]) : null,
    tls: Object.freeze({ caFile: c.tls.caFile ?? null }),
    logLevel: c.logLevel,
    heartbeatSeconds: c.heartbeatSeconds,
    drainGraceSeconds: c.drainGraceSeconds,
  });
}
