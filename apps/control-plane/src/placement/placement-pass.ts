import type { Logger } from 'pino';
import type { OutgoingAssignment } from './assignment-publisher.js';
import { assignmentDigest, demandOf, desiredByRunner, secretRefsOf, wirePlacementOf } from './assignments.js';
import { isReachable, supplyOf } from './eligibility.js';
import { planPlacements, type PlacedReplica, type Shortfall } from './placement-planner.js';
import type { PlacementRepository, PlacementWorld } from './placement.repository.js';

export interface PassContext {
  now: Date;
  /** Heartbeats older than this make an UNHEALTHY runner ineligible. */
  silenceMs: number;
  /** Runners to send their assignment even if it did not change. */
  forced: ReadonlySet<string>;
  /** False while NATS is down: nothing is recorded as sent, so the next pass sends it. */
  canSend: boolean;
  log: Logger;
}

/**
 * One planning pass, inside one transaction under the placement lock: load deployments, runners
 * and placements; plan; write the added and removed placements and the shortfalls; and for every
 * reachable runner whose desired set differs from what it was last sent, bump its `seq` and
 * record the new digest. Returns the assignments to publish once the transaction has committed —
 * the seq was taken under the lock, so even if two replicas publish out of order the runner keeps
 * the newer one.
 */
export async function planAndRecord(repository: PlacementRepository, context: PassContext): Promise<OutgoingAssignment[]> {
  return repository.exclusively(async (tx) => {
    const world = await repository.load(tx);
    const plan = planPlacements(
      world.deployments.map(demandOf),
      world.runners.map((runner) => supplyOf(runner, context.now, context.silenceMs)),
      world.placements,
    );
    await repository.applyChanges(tx, plan.add, plan.remove);
    await repository.saveShortfalls(tx, plan.shortfalls);
    logChanges(context.log, plan.add, plan.remove, world.shortfalls, plan.shortfalls);

    const outgoing = context.canSend ? assignmentsToSend(world, plan.placements, context.forced) : [];
    for (const assignment of outgoing) {
      const digest = assignmentDigest(assignment.placements);
      await repository.recordAssignment(tx, assignment.runnerId, assignment.seq, digest, context.now);
    }
    return outgoing;
  });
}

function assignmentsToSend(world: PlacementWorld, placements: readonly PlacedReplica[], forced: ReadonlySet<string>): OutgoingAssignment[] {
  const desired = desiredByRunner(placements, new Map(world.deployments.map((d) => [d.id, d])));
  return world.runners.flatMap((runner) => {
    if (!isReachable(runner)) return [];
    const deployments = desired.get(runner.id) ?? [];
    const wire = deployments.map(wirePlacementOf);
    if (!forced.has(runner.id) && runner.assignment?.digest === assignmentDigest(wire)) return [];
    const secretRefs = new Map(deployments.map((d) => [d.version.id, secretRefsOf(d)] as const).filter(([, refs]) => Object.keys(refs).length > 0));
    return [{ runnerId: runner.id, seq: (runner.assignment?.seq ?? 0) + 1, placements: wire, secretRefs }];
  });
}

function logChanges(log: Logger, add: readonly PlacedReplica[], remove: readonly PlacedReplica[], before: readonly Shortfall[], after: readonly Shortfall[]): void {
  for (const { deploymentId, runnerId, gpuIndexes } of remove) log.info({ deploymentId, runnerId, gpuIndexes }, 'replica removed from runner');
  for (const { deploymentId, runnerId, gpuIndexes } of add) log.info({ deploymentId, runnerId, gpuIndexes }, 'replica placed on runner');
  const previous = new Map(before.map((s) => [s.deploymentId, s]));
  for (const shortfall of after) {
    const was = previous.get(shortfall.deploymentId);
    // Logged when it appears or changes, not on every pass while it lasts.
    if (was?.missing !== shortfall.missing || was.reason !== shortfall.reason) {
      log.warn({ deploymentId: shortfall.deploymentId, missing: shortfall.missing, reason: shortfall.reason }, 'deployment is short of replicas');
    }
    previous.delete(shortfall.deploymentId);
  }
  for (const deploymentId of previous.keys()) log.info({ deploymentId }, 'deployment fully placed again');
}
