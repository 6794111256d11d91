import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Prisma } from '@switchyard/db';
import { isTerminal, transition, type RolloutPhase } from '@switchyard/rollout';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logging.module.js';
import { RolloutMetricsRepository } from './rollout-metrics.repository.js';
import { eventRow, stateColumns, stateOf } from './rollout-row.js';
import { RolloutWeights } from './rollout-weights.js';
import { RolloutsRepository } from './rollouts.repository.js';

export interface AnalysisTickTime {
  /** The scheduled time of the tick: the key that makes a tick delivered twice apply once. */
  tickAt: number;
  /** The end of the analysis window; default the clock. */
  now?: number;
}

export type AnalysisOutcome =
  | { rolloutId: string; result: 'applied'; events: string[]; phase: RolloutPhase }
  | { rolloutId: string; result: 'held'; phase: RolloutPhase }
  | { rolloutId: string; result: 'already-analysed' | 'finished' | 'missing' };

/** Rows are locked while the window is measured; a slow metrics query must not hit Prisma's 5 s default. */
const ANALYSIS_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * The automated analysis (docs/rollouts.md, "Operating rollouts"): measure the window, let the
 * pure state machine judge it, store what it decided. One rollout at a time, each under its row
 * lock; `lastAnalysisTickAt` makes a tick idempotent across replicas and redeliveries.
 */
@Injectable()
export class RolloutAnalysisService {
  /** Which replica ran a tick, recorded in the events it produced. */
  readonly replicaId = randomUUID();

  constructor(
    private readonly repository: RolloutsRepository,
    private readonly metrics: RolloutMetricsRepository,
    private readonly weights: RolloutWeights,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async analyzeActive(tick: AnalysisTickTime): Promise<AnalysisOutcome[]> {
    const outcomes: AnalysisOutcome[] = [];
    for (const rolloutId of await this.repository.activeIds()) {
      try {
        outcomes.push(await this.analyzeRollout(rolloutId, tick));
      } catch (error) {
        // One rollout's failure (e.g. an unreadable gate config) must not stop the others' analysis.
        this.logger.error({ rolloutId, err: (error as Error).message }, 'rollout analysis failed');
      }
    }
    return outcomes;
  }

  async analyzeRollout(rolloutId: string, { tickAt, now }: AnalysisTickTime): Promise<AnalysisOutcome> {
    let serverId: string | undefined;
    const outcome = await this.repository.transaction(async (tx): Promise<AnalysisOutcome> => {
      const row = await this.repository.lock(tx, rolloutId);
      if (!row) return { rolloutId, result: 'missing' };
      if (isTerminal(row.phase)) return { rolloutId, result: 'finished' };
      if (row.lastAnalysisTickAt && row.lastAnalysisTickAt.getTime() >= tickAt) return { rolloutId, result: 'already-analysed' };

      serverId = row.serverId;
      const state = stateOf(row);
      const end = now ?? Date.now();
      const gatedPhase = state.phase === 'PAUSED' ? state.pausedFromPhase : state.phase;
      const serverName = await this.repository.serverNameOf(tx, row.serverId);
      const metrics = await this.metrics.measure(
        { serverName, championVersionId: row.championVersionId, challengerVersionId: row.challengerVersionId, from: new Date(state.stepStartedAt), to: new Date(end) },
        { rewards: gatedPhase === 'BANDIT' || gatedPhase === 'DECISION', ...(gatedPhase === 'SHADOW' ? { shadowOf: rolloutId } : {}) },
        tx,
      );
      const result = transition(state, { type: 'analysis', metrics }, end);
      const tickInfo = { tick: { at: tickAt, replicaId: this.replicaId } };
      await this.repository.update(tx, rolloutId, {
        ...stateColumns(result.state, row),
        lastAnalysisTickAt: new Date(tickAt),
        lastAssessment: result.assessment ? ({ ...result.assessment, ...tickInfo } as unknown as Prisma.InputJsonValue) : undefined,
      });
      await this.repository.appendEvents(tx, result.events.map((event) => eventRow(rolloutId, event, row, tickInfo)));
      if (result.events.length === 0) return { rolloutId, result: 'held', phase: result.state.phase };
      return { rolloutId, result: 'applied', events: result.events.map((event) => event.kind), phase: result.state.phase };
    }, { timeout: ANALYSIS_TRANSACTION_TIMEOUT_MS });
    if (outcome.result === 'applied') {
      if (serverId) this.weights.invalidate(serverId);
      this.logger.info({ rolloutId, events: outcome.events, phase: outcome.phase }, 'rollout analysis acted');
    }
    return outcome;
  }
}
