import { Injectable } from '@nestjs/common';
import { RolloutWeights } from './rollout-weights.js';
import { RolloutsRepository } from './rollouts.repository.js';

/** How long an answer is reused: another replica's rollback reaches this one within this time. */
const CACHE_MS = 1_000;

/**
 * Versions taken out of service by a rollback: the challenger of a server's newest rollout that
 * tried it, when that rollout ended ROLLED_BACK or ABORTED. Sessions pinned to such a version are
 * ended at their next request (the gateway answers 404, the client starts a new session, which the
 * router places on the champion) — docs/rollouts.md, "Pinning and rollback". A promotion ends no
 * session: the old champion keeps serving the sessions pinned to it.
 */
@Injectable()
export class RetiredVersions {
  private readonly cache = new Map<string, { expiresAt: number; value: Promise<boolean> }>();

  constructor(
    private readonly repository: RolloutsRepository,
    weights: RolloutWeights,
  ) {
    // Every change of a rollout on this replica (command or analysis) invalidates the weights.
    weights.onChange(() => this.invalidate());
  }

  isRetired(versionId: string, now = Date.now()): Promise<boolean> {
    const cached = this.cache.get(versionId);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = this.repository.lastChallengePhase(versionId).then((phase) => phase === 'ROLLED_BACK' || phase === 'ABORTED');
    this.cache.set(versionId, { expiresAt: now + CACHE_MS, value });
    value.catch(() => this.cache.delete(versionId));
    return value;
  }

  /** After a rollback or abort committed on this replica: its next request must see it. */
  invalidate(): void {
    this.cache.clear();
  }
}
