// Between the Rollout table and libs/rollout's RolloutState: the state machine works on roles
// (champion, challenger) and epoch milliseconds; the table stores shares by version id and dates.
import type { Prisma, Rollout, RolloutPhase as DbRolloutPhase } from '@switchyard/db';
import {
  challengerShare,
  isLadderPhase,
  parseRolloutConfig,
  weightsByVersion,
  type RolloutEventRecord,
  type RolloutState,
} from '@switchyard/rollout';

export interface RolloutVersions {
  championVersionId: string;
  challengerVersionId: string;
}

const date = (ms: number): Date => new Date(ms);

export function stateOf(row: Rollout): RolloutState {
  const weights = row.weights as Record<string, number>;
  const paused = row.pausedFromPhase;
  return {
    phase: row.phase,
    pausedFromPhase: paused && isLadderPhase(paused) ? paused : null,
    weights: challengerShare(weights[row.challengerVersionId] ?? 0),
    canaryStep: row.canaryStep,
    phaseStartedAt: row.phaseStartedAt.getTime(),
    stepStartedAt: row.stepStartedAt.getTime(),
    startedAt: row.startedAt.getTime(),
    finishedAt: row.finishedAt?.getTime() ?? null,
    toolsHash: { champion: row.toolsHashChampion, challenger: row.toolsHashChallenger },
    // Stored parsed (defaults filled in), so a later change of a default never alters a running rollout.
    config: parseRolloutConfig(row.gateConfig),
  };
}

/** The columns a state sets: everything the state machine may change. */
export function stateColumns(state: RolloutState, versions: RolloutVersions) {
  return {
    phase: state.phase as DbRolloutPhase,
    pausedFromPhase: state.pausedFromPhase as DbRolloutPhase | null,
    weights: weightsByVersion(state.weights, versions),
    canaryStep: state.canaryStep,
    phaseStartedAt: date(state.phaseStartedAt),
    stepStartedAt: date(state.stepStartedAt),
    finishedAt: state.finishedAt === null ? null : date(state.finishedAt),
  } satisfies Prisma.RolloutUncheckedUpdateInput;
}

export function eventRow(
  rolloutId: string,
  event: RolloutEventRecord,
  versions: RolloutVersions,
  extraMetrics?: Record<string, unknown>,
): Prisma.RolloutEventCreateManyInput {
  const metrics = event.metrics === null && !extraMetrics ? null : { ...event.metrics, ...extraMetrics };
  return {
    rolloutId,
    at: date(event.at),
    kind: event.kind,
    fromPhase: event.fromPhase as DbRolloutPhase | null,
    toPhase: event.toPhase as DbRolloutPhase,
    weights: weightsByVersion(event.weights, versions),
    reason: event.reason,
    metrics: (metrics ?? undefined) as Prisma.InputJsonValue | undefined,
    actorType: event.actorType,
    actorKeyId: event.actorKeyId,
  };
}

/** `{ "<versionId>": share }` as a list, champion first, for GraphQL. */
export function sharesOf(weights: unknown, versions: RolloutVersions): Array<{ versionId: string; share: number }> {
  const byVersion = (weights ?? {}) as Record<string, number>;
  return [versions.championVersionId, versions.challengerVersionId].map((versionId) => ({ versionId, share: byVersion[versionId] ?? 0 }));
}
