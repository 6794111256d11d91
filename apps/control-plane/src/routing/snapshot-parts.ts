// The slow-changing parts of a RouteSnapshot (nodepools, runners, candidates), built from Postgres
// rows. route() caches its per-snapshot work on these objects' identity, so a rebuild that finds
// the same content hands back the previous objects (sameParts) and the cache keeps hitting.
import type { Candidate, NodepoolInfo, RunnerInfo } from '@switchyard/router';
import { serversFromJson } from '../runners/servers.js';
import type { NodepoolRow, PlacementRow } from './routing.repository.js';

export interface SnapshotParts {
  nodepools: readonly NodepoolInfo[];
  /** `outstanding` is updated in place before each decision (route() reads it every time). */
  runners: readonly RunnerInfo[];
  candidates: readonly Candidate[];
  /** `<runnerId> <versionId>` → the deployment placed there (one per runner and version: a runner is in one nodepool). */
  deployments: ReadonlyMap<string, string>;
  /** Runner.inFlight at the last heartbeat. */
  heartbeatInFlight: ReadonlyMap<string, number>;
}

/** A supervisor that reports the server FAILED or crash-looping (BACKOFF) cannot serve it now. */
const NOT_SERVING = new Set(['FAILED', 'BACKOFF']);

export const placementKey = (runnerId: string, versionId: string) => `${runnerId} ${versionId}`;

export function snapshotParts(nodepoolRows: readonly NodepoolRow[], placements: readonly PlacementRow[]): SnapshotParts {
  const nodepools: NodepoolInfo[] = nodepoolRows.map((n) => ({ id: n.id, name: n.name, kind: n.kind, region: n.region, jurisdiction: n.jurisdiction, costPerCall: n.costPerCall }));
  const runners = new Map<string, RunnerInfo>();
  const heartbeatInFlight = new Map<string, number>();
  const candidates: Candidate[] = [];
  const deployments = new Map<string, string>();
  for (const p of placements) {
    const state = serversFromJson(p.runnerServers).find((s) => s.deploymentId === p.deploymentId)?.state;
    if (state !== undefined && NOT_SERVING.has(state)) continue;
    if (!runners.has(p.runnerId)) runners.set(p.runnerId, { id: p.runnerId, nodepoolId: p.runnerNodepoolId, outstanding: p.runnerInFlight });
    heartbeatInFlight.set(p.runnerId, p.runnerInFlight);
    candidates.push({ runnerId: p.runnerId, nodepoolId: p.runnerNodepoolId, versionId: p.versionId });
    deployments.set(placementKey(p.runnerId, p.versionId), p.deploymentId);
  }
  return { nodepools, runners: [...runners.values()], candidates, deployments, heartbeatInFlight };
}

/** Same content (ignoring `outstanding`, which is live): keep the old objects, and route()'s cache. */
export function sameParts(a: SnapshotParts, b: SnapshotParts): boolean {
  return (
    JSON.stringify(a.nodepools) === JSON.stringify(b.nodepools) &&
    JSON.stringify(a.candidates) === JSON.stringify(b.candidates) &&
    JSON.stringify(a.runners.map((r) => [r.id, r.nodepoolId])) === JSON.stringify(b.runners.map((r) => [r.id, r.nodepoolId])) &&
    JSON.stringify([...a.deployments]) === JSON.stringify([...b.deployments])
  );
}
