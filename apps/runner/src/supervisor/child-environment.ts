import type { LaunchSpec } from './placement.js';

/** Used when the runner itself has no PATH (a bare systemd unit always sets one). */
export const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type ChildEnvironment = { ok: true; env: Record<string, string> } | { ok: false; reason: string };

/**
 * The complete environment of a stdio server: nothing of the runner's own environment (its NATS
 * credentials path, proxy settings, NODE_OPTIONS, …) leaks into it. The one exception is PATH:
 * without it the command (`node`, `npx`, `uvx`) could not be found, neither by the runner's spawn
 * (Node looks the command up in the child's env.PATH) nor by the launchers that start their own
 * children. A launch spec may declare its own PATH, which then wins. Secret values come last and
 * only for the names the spec declares; an undeclared value is ignored, a missing one refuses the
 * launch rather than starting a server that would fail in a confusing way.
 */
export function buildChildEnvironment(
  launch: Pick<LaunchSpec, 'env' | 'secretEnv'>,
  secretValues: Readonly<Record<string, string>>,
  runnerPath: string | undefined,
): ChildEnvironment {
  const env: Record<string, string> = { PATH: runnerPath || FALLBACK_PATH, ...launch.env };
  const missing = launch.secretEnv.filter((name) => !Object.hasOwn(secretValues, name));
  if (missing.length > 0) {
    return { ok: false, reason: `secret value not delivered for ${missing.join(', ')}` };
  }
  for (const name of launch.secretEnv) env[name] = secretValues[name];
  return { ok: true, env };
}
