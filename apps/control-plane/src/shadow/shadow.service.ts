import { Injectable } from '@nestjs/common';
import type { Rollout } from '@switchyard/db';
import { DomainError } from '@switchyard/protocol';
import type { Actor } from '../admin-events/actor.js';
import { AdminEventsService } from '../admin-events/admin-events.service.js';
import { FINAL_PHASES } from '../rollouts/rollouts.repository.js';
import type { NoiseKind } from './compare/noise.js';
import { ShadowMirror } from './shadow-mirror.js';
import { ShadowRepository } from './shadow.repository.js';
import { ShadowStore, type ShadowExample } from './shadow-store.js';
import { normalizeShadowTools } from './shadow-tools.js';

export interface RolloutShadowView {
  compared: number;
  differing: number;
  notCompared: number;
  diffRate: number | null;
  noisePaths: Array<{ tool: string; path: string; kind: NoiseKind }>;
  examples: Array<Omit<ShadowExample, 'at'> & { at: Date }>;
}

@Injectable()
export class ShadowService {
  constructor(
    private readonly repository: ShadowRepository,
    private readonly store: ShadowStore,
    private readonly mirror: ShadowMirror,
    private readonly adminEvents: AdminEventsService,
  ) {}

  /** Replaces the rollout's allow-list (OPERATOR; audited). A finished rollout's list is history: CONFLICT. */
  async updateShadowTools(actor: Actor, rolloutId: string, tools: readonly string[]): Promise<Rollout> {
    const { tools: normalized, problems } = normalizeShadowTools(tools, 'tools');
    if (problems.length > 0) throw DomainError.badInput(problems);
    const updated = await this.adminEvents.mutate(actor, 'rollout.shadowTools', 'Rollout', async (tx) => {
      const locked = await tx.$queryRaw<Array<{ phase: Rollout['phase']; shadowTools: string[] }>>`SELECT phase, "shadowTools" FROM "Rollout" WHERE id = ${rolloutId}::uuid FOR UPDATE`;
      const row = locked[0];
      if (row === undefined) throw DomainError.notFound('Rollout', rolloutId);
      if (FINAL_PHASES.includes(row.phase)) throw DomainError.conflict(`the rollout is ${row.phase}; its shadow allow-list can no longer change`, { phase: row.phase });
      const saved = await this.repository.setShadowTools(tx, rolloutId, normalized);
      return { result: saved, targetId: rolloutId, details: { from: row.shadowTools, to: normalized } };
    });
    this.mirror.forget();
    return updated;
  }

  /** Counts over the whole rollout (the gate counts its analysis window: see lastAssessment). */
  async view(rollout: Rollout): Promise<RolloutShadowView> {
    const [counts, examples, shadowRollout] = await Promise.all([
      this.repository.counts(rollout.id),
      this.store.examples(rollout.id),
      this.repository.rolloutById(rollout.id),
    ]);
    const noisePaths = shadowRollout ? await this.store.noisePaths(shadowRollout.serverName, rollout.shadowTools) : [];
    return {
      ...counts,
      diffRate: counts.compared > 0 ? counts.differing / counts.compared : null,
      noisePaths,
      examples: examples.map((example) => ({ ...example, at: new Date(example.at) })),
    };
  }
}
