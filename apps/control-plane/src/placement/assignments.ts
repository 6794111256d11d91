import { createHash } from 'node:crypto';
import type { Placement as WirePlacement } from '@switchyard/protocol';
import { envToJson, envFromJson, secretEnvFromJson } from '../servers/launch-spec.js';
import type { DeploymentDemand, PlacedReplica } from './placement-planner.js';

/** The deployment and version columns an assignment is built from. */
export interface DeploymentSpec {
  id: string;
  nodepoolId: string;
  replicas: number;
  gpuCount: number;
  gpuModel: string | null;
  gpuMinMemoryMiB: number | null;
  version: {
    id: string;
    serverName: string;
    transport: 'STDIO' | 'STREAMABLE_HTTP';
    command: string | null;
    args: string[];
    env: unknown;
    /** `{ "VAR": "secret-name" }` */
    secretEnv: unknown;
    url: string | null;
    artifactIntegrity: string | null;
    stateless: boolean;
  };
}

export function demandOf(deployment: DeploymentSpec): DeploymentDemand {
  return {
    id: deployment.id,
    nodepoolId: deployment.nodepoolId,
    replicas: deployment.replicas,
    gpu: { count: deployment.gpuCount, model: deployment.gpuModel, minMemoryMiB: deployment.gpuMinMemoryMiB },
  };
}

/** One placement as the runner receives it: the launch spec with secret variable NAMES only. */
export function wirePlacementOf(deployment: DeploymentSpec): WirePlacement {
  const { version } = deployment;
  const launch: WirePlacement['launch'] =
    version.transport === 'STDIO'
      ? {
          transport: 'STDIO',
          command: version.command ?? '',
          args: [...version.args],
          env: envToJson(envFromJson(version.env)),
          secretEnv: secretEnvFromJson(version.secretEnv).map((pair) => pair.name),
        }
      : { transport: 'STREAMABLE_HTTP', url: version.url ?? '' };
  return {
    deploymentId: deployment.id,
    versionId: version.id,
    serverName: version.serverName,
    launch,
    ...(version.artifactIntegrity ? { artifactIntegrity: version.artifactIntegrity } : {}),
    stateless: version.stateless,
  };
}

/** Which Secret fills each secret variable of the version: `{ VAR: secret name }` (empty for none). */
export function secretRefsOf(deployment: DeploymentSpec): Record<string, string> {
  if (deployment.version.transport !== 'STDIO') return {};
  return Object.fromEntries(secretEnvFromJson(deployment.version.secretEnv).map((pair) => [pair.name, pair.secret]));
}

/** Each runner's full desired set, sorted by deployment so equal sets look equal. */
export function desiredByRunner(placements: readonly PlacedReplica[], deployments: ReadonlyMap<string, DeploymentSpec>): Map<string, DeploymentSpec[]> {
  const byRunner = new Map<string, DeploymentSpec[]>();
  for (const placement of placements) {
    const deployment = deployments.get(placement.deploymentId);
    if (!deployment) continue;
    byRunner.set(placement.runnerId, [...(byRunner.get(placement.runnerId) ?? []), deployment]);
  }
  for (const list of byRunner.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return byRunner;
}

/**
 * A digest of an assignment's content (what the runner would run, not `seq`), stored per runner so
 * an unchanged set is not sent again on every planning pass. Secret values are not part of it:
 * they are never stored, not even hashed.
 */
export function assignmentDigest(placements: readonly WirePlacement[]): string {
  return createHash('sha256').update(JSON.stringify(placements)).digest('base64url');
}
