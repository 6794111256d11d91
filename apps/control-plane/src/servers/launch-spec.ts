import type { TransportKind } from '@switchyard/db';
import type { FieldProblem } from '@switchyard/protocol';

export interface EnvVarPair {
  name: string;
  value: string;
}

/** An environment variable whose value the runner receives from a Secret at launch. */
export interface SecretEnvPair {
  name: string;
  secret: string;
}

/** How a runner starts (STDIO) or reaches (STREAMABLE_HTTP) one server version. */
export interface LaunchSpec {
  transport: TransportKind;
  command: string | null;
  args: string[];
  env: EnvVarPair[];
  secretEnv: SecretEnvPair[];
  url: string | null;
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function transportProblems(spec: LaunchSpec): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (spec.transport === 'STDIO') {
    if (!spec.command) problems.push({ path: 'command', message: 'is required when transport is STDIO' });
    if (spec.url) {
      problems.push({ path: 'url', message: 'must be empty when transport is STDIO (the runner launches `command` instead)' });
    }
    return problems;
  }
  if (!spec.url) problems.push({ path: 'url', message: 'is required when transport is STREAMABLE_HTTP' });
  else if (!isHttpUrl(spec.url)) problems.push({ path: 'url', message: 'must be an http:// or https:// URL' });
  if (spec.command) {
    problems.push({
      path: 'command',
      message: 'must be empty when transport is STREAMABLE_HTTP (the runner connects to `url` instead)',
    });
  }
  if (spec.args.length > 0) problems.push({ path: 'args', message: 'must be empty when transport is STREAMABLE_HTTP' });
  return problems;
}

function duplicateNames(path: string, vars: ReadonlyArray<{ name: string }>): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  vars.forEach(({ name }, index) => {
    if (seen.has(name)) problems.push({ path: `${path}.${index}.name`, message: `duplicate environment variable "${name}"` });
    seen.add(name);
  });
  return problems;
}

/**
 * The cross-field rules of a launch spec, each reported on the field to fix. A variable set
 * both in env and from a secret is refused: which value wins would be an accident of the
 * runner's merge order, and a plain value silently shadowing a secret is a leak waiting to happen.
 */
export function launchSpecProblems(spec: LaunchSpec): FieldProblem[] {
  const plainNames = new Set(spec.env.map((v) => v.name));
  const overlaps = spec.secretEnv.flatMap(({ name }, index) =>
    plainNames.has(name)
      ? [{ path: `secretEnv.${index}.name`, message: `"${name}" is also set in env; a variable comes from env or from a secret, not both` }]
      : [],
  );
  return [
    ...transportProblems(spec),
    ...duplicateNames('env', spec.env),
    ...duplicateNames('secretEnv', spec.secretEnv),
    ...overlaps,
  ];
}

function sortedEntries(record: Record<string, string>): string {
  return JSON.stringify(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The launch-spec fields that differ between two specs (env order does not matter). */
export function launchSpecChanges(current: LaunchSpec, next: LaunchSpec): string[] {
  const changed: string[] = [];
  if (current.transport !== next.transport) changed.push('transport');
  if (current.command !== next.command) changed.push('command');
  if (JSON.stringify(current.args) !== JSON.stringify(next.args)) changed.push('args');
  if (sortedEntries(envToJson(current.env)) !== sortedEntries(envToJson(next.env))) changed.push('env');
  if (sortedEntries(secretEnvToJson(current.secretEnv)) !== sortedEntries(secretEnvToJson(next.secretEnv))) {
    changed.push('secretEnv');
  }
  if (current.url !== next.url) changed.push('url');
  return changed;
}

/** Stored as `{ "NAME": "value" }`; callers have rejected duplicate names before. */
export function envToJson(env: readonly EnvVarPair[]): Record<string, string> {
  return Object.fromEntries(env.map((v) => [v.name, v.value]));
}

/** Stored as `{ "NAME": "secret-name" }`: only the secret's name, never its value. */
export function secretEnvToJson(secretEnv: readonly SecretEnvPair[]): Record<string, string> {
  return Object.fromEntries(secretEnv.map((v) => [v.name, v.secret]));
}

function stringEntries(json: unknown): Array<[string, string]> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return [];
  return Object.entries(json as Record<string, unknown>).map(([key, value]) => [key, String(value)]);
}

export function envFromJson(json: unknown): EnvVarPair[] {
  return stringEntries(json).map(([name, value]) => ({ name, value }));
}

export function secretEnvFromJson(json: unknown): SecretEnvPair[] {
  return stringEntries(json).map(([name, secret]) => ({ name, secret }));
}
