import type { Placement as WirePlacement } from '@switchyard/protocol';
import type { Placement } from '../supervisor/placement.js';

/** Variables a placement takes from secrets (only STDIO servers get an environment from the runner). */
export function secretNamesOf(placement: WirePlacement): readonly string[] {
  return placement.launch.transport === 'STDIO' ? placement.launch.secretEnv : [];
}

/** The declared secret variables that `values` does not (yet) hold. */
export function missingSecrets(placement: WirePlacement, values: Readonly<Record<string, string>> | undefined): string[] {
  return secretNamesOf(placement).filter((name) => values === undefined || !Object.hasOwn(values, name));
}

/**
 * The supervisor's view of one placement from an assignment message. Only the variables the launch
 * spec declares are copied from the version's secret values: a secrets message that carries more
 * (a newer control plane, a mistake) must not widen what reaches the child's environment.
 */
export function toSupervisorPlacement(placement: WirePlacement, values: Readonly<Record<string, string>> | undefined): Placement {
  const secretValues: Record<string, string> = {};
  for (const name of secretNamesOf(placement)) {
    if (values !== undefined && Object.hasOwn(values, name)) secretValues[name] = values[name] as string;
  }
  const common = { artifactIntegrity: placement.artifactIntegrity ?? null, stateless: placement.stateless };
  const launch =
    placement.launch.transport === 'STDIO'
      ? {
          transport: 'STDIO' as const,
          command: placement.launch.command,
          args: [...placement.launch.args],
          env: { ...placement.launch.env },
          secretEnv: [...placement.launch.secretEnv],
          url: null,
          ...common,
        }
      : { transport: 'STREAMABLE_HTTP' as const, command: null, args: [], env: {}, secretEnv: [], url: placement.launch.url, ...common };
  return { deploymentId: placement.deploymentId, versionId: placement.versionId, serverName: placement.serverName, launch, secretValues };
}
