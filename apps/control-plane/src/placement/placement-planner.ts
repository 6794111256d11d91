/**
 * Placement: which runners host the replicas of each deployment. Pure — no I/O, no clock — so
 * the rules are tested as properties and the service around it stays a thin loop of
 * "load, plan, apply the difference".
 *
 * Rules, in order:
 * 1. A replica stays where it is while its runner is eligible (stability: moving a server
 *    drops its sessions).
 * 2. Replicas on runners that are no longer eligible (offline, draining, fenced, revoked) are
 *    removed and placed again elsewhere.
 * 3. At most one replica of a deployment per runner (losing one host loses one replica).
 * 4. A runner hosts at most `slots` replicas in all; a GPU deployment takes `gpuCount` of the
 *    runner's GPUs that match its model and memory, and a GPU is never given out twice.
 * 5. New replicas go to the eligible runner of the deployment's nodepool with the most free
 *    slots (spreading load), ties broken by runner id so plans are deterministic.
 */

export interface GpuRequirement {
  count: number;
  /** Case-insensitive substring of the GPU name, e.g. "A100". */
  model?: string | null;
  minMemoryMiB?: number | null;
}

export interface DeploymentDemand {
  id: string;
  nodepoolId: string;
  replicas: number;
  gpu: GpuRequirement;
}

export interface RunnerGpu {
  index: number;
  name: string;
  memoryTotalMiB: number;
}

export interface RunnerSupply {
  id: string;
  nodepoolId: string;
  eligible: boolean;
  /** How many server replicas the runner hosts at most. */
  slots: number;
  gpus: RunnerGpu[];
}

export interface PlacedReplica {
  deploymentId: string;
  runnerId: string;
  /** GPU indexes on the runner reserved for this replica. */
  gpuIndexes: number[];
}

export interface Shortfall {
  deploymentId: string;
  missing: number;
  reason: string;
}

export interface PlacementPlan {
  placements: PlacedReplica[];
  add: PlacedReplica[];
  remove: PlacedReplica[];
  shortfalls: Shortfall[];
}

interface RunnerState {
  runner: RunnerSupply;
  usedSlots: number;
  freeGpus: RunnerGpu[];
}

const key = (p: { deploymentId: string; runnerId: string }) => `${p.deploymentId}@${p.runnerId}`;

function gpuFits(gpu: RunnerGpu, need: GpuRequirement): boolean {
  if (need.model && !gpu.name.toLowerCase().includes(need.model.toLowerCase())) return false;
  if (need.minMemoryMiB && gpu.memoryTotalMiB < need.minMemoryMiB) return false;
  return true;
}

/** Takes `need.count` fitting GPUs from the runner (lowest indexes first), or returns undefined. */
function reserveGpus(state: RunnerState, need: GpuRequirement, preferred: number[] = []): number[] | undefined {
  if (need.count === 0) return [];
  const fitting = state.freeGpus.filter((gpu) => gpuFits(gpu, need));
  const ordered = [
    ...fitting.filter((g) => preferred.includes(g.index)),
    ...fitting.filter((g) => !preferred.includes(g.index)).sort((a, b) => a.index - b.index),
  ];
  if (ordered.length < need.count) return undefined;
  const taken = ordered.slice(0, need.count).map((g) => g.index);
  state.freeGpus = state.freeGpus.filter((g) => !taken.includes(g.index));
  return taken;
}

function describeShortfall(demand: DeploymentDemand, states: RunnerState[]): string {
  const inPool = states.filter((s) => s.runner.nodepoolId === demand.nodepoolId);
  if (inPool.length === 0) return 'no runner in the nodepool';
  const eligible = inPool.filter((s) => s.runner.eligible);
  if (eligible.length === 0) return 'no healthy runner in the nodepool';
  if (demand.gpu.count > 0) return `not enough runners with ${demand.gpu.count} free matching GPU(s)`;
  return 'not enough runners with a free slot (one replica per runner)';
}

export function planPlacements(
  deployments: readonly DeploymentDemand[],
  runners: readonly RunnerSupply[],
  current: readonly PlacedReplica[],
): PlacementPlan {
  const states = new Map<string, RunnerState>(
    runners.map((runner) => [runner.id, { runner, usedSlots: 0, freeGpus: [...runner.gpus] }]),
  );
  const demandById = new Map(deployments.map((d) => [d.id, d]));
  const kept: PlacedReplica[] = [];

  // Rules 1-4 for what already exists, in a stable order so reductions drop the newest runners last.
  const sortedCurrent = [...current].sort((a, b) => key(a).localeCompare(key(b)));
  for (const placement of sortedCurrent) {
    const demand = demandById.get(placement.deploymentId);
    const state = states.get(placement.runnerId);
    if (!demand || !state || !state.runner.eligible || state.runner.nodepoolId !== demand.nodepoolId) continue;
    if (kept.filter((p) => p.deploymentId === demand.id).length >= demand.replicas) continue;
    if (state.usedSlots >= state.runner.slots) continue;
    if (kept.some((p) => key(p) === key(placement))) continue;
    const gpuIndexes = reserveGpus(state, demand.gpu, placement.gpuIndexes);
    if (!gpuIndexes) continue;
    state.usedSlots += 1;
    kept.push({ deploymentId: demand.id, runnerId: state.runner.id, gpuIndexes });
  }

  // Rule 5: fill what is missing, GPU deployments first (they are the hardest to fit).
  const added: PlacedReplica[] = [];
  const shortfalls: Shortfall[] = [];
  const order = [...deployments].sort((a, b) => b.gpu.count - a.gpu.count || a.id.localeCompare(b.id));
  for (const demand of order) {
    const hosts = new Set([...kept, ...added].filter((p) => p.deploymentId === demand.id).map((p) => p.runnerId));
    let missing = demand.replicas - hosts.size;
    while (missing > 0) {
      const candidates = [...states.values()]
        .filter((s) => s.runner.eligible && s.runner.nodepoolId === demand.nodepoolId)
        .filter((s) => !hosts.has(s.runner.id) && s.usedSlots < s.runner.slots)
        .filter((s) => s.freeGpus.filter((g) => gpuFits(g, demand.gpu)).length >= demand.gpu.count)
        .sort((a, b) => b.runner.slots - b.usedSlots - (a.runner.slots - a.usedSlots) || a.runner.id.localeCompare(b.runner.id));
      const chosen = candidates[0];
      if (!chosen) break;
      const gpuIndexes = reserveGpus(chosen, demand.gpu) ?? [];
      chosen.usedSlots += 1;
      hosts.add(chosen.runner.id);
      added.push({ deploymentId: demand.id, runnerId: chosen.runner.id, gpuIndexes });
      missing -= 1;
    }
    if (missing > 0) shortfalls.push({ deploymentId: demand.id, missing, reason: describeShortfall(demand, [...states.values()]) });
  }

  const keptKeys = new Set(kept.map(key));
  return {
    placements: [...kept, ...added],
    add: added,
    remove: current.filter((p) => !keptKeys.has(key(p))),
    shortfalls,
  };
}
