import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient, RunnerAssignment } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { PRISMA } from '../database/database.module.js';
import type { DeploymentSpec } from './assignments.js';
import type { RunnerState } from './eligibility.js';
import type { PlacedReplica, Shortfall } from './placement-planner.js';

export interface PlacementWorld {
  deployments: DeploymentSpec[];
  runners: Array<RunnerState & { assignment: RunnerAssignment | null }>;
  placements: PlacedReplica[];
  shortfalls: Shortfall[];
}

// Its own advisory lock key (api keys use 72707370, the NATS account 72707371).
const PLACEMENT_LOCK_SQL = 'SELECT pg_advisory_xact_lock(72707372)';
const TRANSACTION_TIMEOUT_MS = 20_000;

@Injectable()
export class PlacementRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * Runs `work` in one transaction holding the placement lock: one planner at a time across every
   * replica, so two passes never place the same replica twice or both bump a runner's seq.
   */
  exclusively<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(PLACEMENT_LOCK_SQL);
        return work(tx);
      },
      // Waiting for the lock counts against the timeout: allow another replica's pass first.
      { timeout: TRANSACTION_TIMEOUT_MS, maxWait: TRANSACTION_TIMEOUT_MS },
    );
  }

  async load(tx: Tx): Promise<PlacementWorld> {
    const [deployments, runners, placements, shortfalls] = await Promise.all([
      tx.deployment.findMany({ include: { version: { include: { server: { select: { name: true } } } } }, orderBy: { id: 'asc' } }),
      tx.runner.findMany({ include: { assignment: true }, orderBy: { id: 'asc' } }),
      tx.placement.findMany({ orderBy: { id: 'asc' } }),
      tx.placementShortfall.findMany(),
    ]);
    return {
      deployments: deployments.map(({ version: { server, ...version }, ...deployment }) => ({ ...deployment, version: { ...version, serverName: server.name } })),
      runners,
      placements: placements.map(({ deploymentId, runnerId, gpuIndexes }) => ({ deploymentId, runnerId, gpuIndexes })),
      shortfalls: shortfalls.map(({ deploymentId, missing, reason }) => ({ deploymentId, missing, reason })),
    };
  }

  async applyChanges(tx: Tx, add: readonly PlacedReplica[], remove: readonly PlacedReplica[]): Promise<void> {
    for (const { deploymentId, runnerId } of remove) {
      await tx.placement.deleteMany({ where: { deploymentId, runnerId } });
    }
    if (add.length > 0) await tx.placement.createMany({ data: add.map(({ deploymentId, runnerId, gpuIndexes }) => ({ deploymentId, runnerId, gpuIndexes })) });
  }

  /** The shortfall rows become exactly `shortfalls` (a row per deployment that is short). */
  async saveShortfalls(tx: Tx, shortfalls: readonly Shortfall[]): Promise<void> {
    await tx.placementShortfall.deleteMany({ where: { deploymentId: { notIn: shortfalls.map((s) => s.deploymentId) } } });
    for (const { deploymentId, missing, reason } of shortfalls) {
      await tx.placementShortfall.upsert({ where: { deploymentId }, create: { deploymentId, missing, reason }, update: { missing, reason } });
    }
  }

  async recordAssignment(tx: Tx, runnerId: string, seq: number, digest: string, sentAt: Date): Promise<void> {
    await tx.runnerAssignment.upsert({ where: { runnerId }, create: { runnerId, seq, digest, sentAt }, update: { seq, digest, sentAt } });
  }

  /**
   * The runner's process may be gone with what it was sent: the next pass must send it its
   * assignment even if the content is the same (seq is kept: it only ever grows).
   */
  async forgetSentContent(runnerId: string): Promise<void> {
    await this.prisma.runnerAssignment.updateMany({ where: { runnerId }, data: { digest: '' } });
  }

  /** What a runner should run (deployment → version) and when it was last sent its assignment. */
  async desiredOf(runnerId: string): Promise<{ servers: Map<string, string>; sentAt: Date | null }> {
    const [placements, assignment] = await Promise.all([
      this.prisma.placement.findMany({ where: { runnerId }, select: { deploymentId: true, deployment: { select: { versionId: true } } } }),
      this.prisma.runnerAssignment.findUnique({ where: { runnerId } }),
    ]);
    return { servers: new Map(placements.map((p) => [p.deploymentId, p.deployment.versionId])), sentAt: assignment?.sentAt ?? null };
  }

  placementCount(deploymentId: string): Promise<number> {
    return this.prisma.placement.count({ where: { deploymentId } });
  }

  shortfallOf(deploymentId: string): Promise<Shortfall | null> {
    return this.prisma.placementShortfall.findUnique({ where: { deploymentId }, select: { deploymentId: true, missing: true, reason: true } });
  }
}
