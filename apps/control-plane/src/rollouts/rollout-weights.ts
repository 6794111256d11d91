import { Injectable } from '@nestjs/common';
import type { RolloutPhase } from '@switchyard/db';
import { RolloutsRepository } from './rollouts.repository.js';

/** What routing needs of a server's active rollout. */
export interface ServerRolloutWeights {
  rolloutId: string;
  phase: RolloutPhase;
  /** `{ "<versionId>": share }` for the champion and the challenger, summing to 1. */
  weights: Readonly<Record<string, number>>;
}

/**
 * How long an answer is reused. Changes made through this replica clear it at once; another
 * replica's rollback reaches this one within this time.
 */
export const ROLLOUT_WEIGHTS_CACHE_MS = 1_000;

/**
 * The read side for the gateway and router: the weights of a server's active rollout, or null
 * when it has none (the champion, or the only version, serves everything). Cached briefly, since
 * it is asked on every routed request.
 */
@Injectable()
export class RolloutWeights {
  private readonly cache = new Map<string, { expiresAt: number; value: Promise<ServerRolloutWeights | null> }>();
  private readonly listeners = new Set<(serverId: string) => void>();

  constructor(private readonly repository: RolloutsRepository) {}

  forServer(serverId: string, now = Date.now()): Promise<ServerRolloutWeights | null> {
    const cached = this.cache.get(serverId);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = this.load(serverId);
    this.cache.set(serverId, { expiresAt: now + ROLLOUT_WEIGHTS_CACHE_MS, value });
    // A failed read is not remembered: the next request asks again.
    value.catch(() => this.cache.delete(serverId));
    return value;
  }

  /** Called after a change of the server's rollout commits on this replica. */
  invalidate(serverId: string): void {
    this.cache.delete(serverId);
    for (const listener of this.listeners) listener(serverId);
  }

  /** Called with the server id after each invalidate (routing drops its snapshot of the server). */
  onChange(listener: (serverId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async load(serverId: string): Promise<ServerRolloutWeights | null> {
    const rollout = await this.repository.findActiveForServer(serverId);
    if (!rollout) return null;
    return { rolloutId: rollout.id, phase: rollout.phase, weights: Object.freeze({ ...(rollout.weights as Record<string, number>) }) };
  }
}
