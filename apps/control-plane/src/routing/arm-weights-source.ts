import { Injectable } from '@nestjs/common';

/** A server's active rollout as routing needs it: which versions share traffic, and how. */
export interface ArmWeights {
  rolloutId: string;
  /** The rollout's phase (RolloutPhase): BANDIT hands the split to the policy's bandit. */
  phase: string;
  /** `{ "<versionId>": share }`, champion and challenger. */
  weights: Readonly<Record<string, number>>;
}

/**
 * Where the active rollout's weights come from. `RolloutWeights` of src/rollouts has exactly this
 * shape: bind it with `{ provide: ARM_WEIGHTS_SOURCE, useExisting: RolloutWeights }`.
 */
export interface ArmWeightsSource {
  forServer(serverId: string): Promise<ArmWeights | null>;
  /** Tells when a server's rollout changed on this replica (so routing re-reads at once). */
  onChange?(listener: (serverId: string) => void): () => void;
}

export const ARM_WEIGHTS_SOURCE = Symbol('ArmWeightsSource');

/**
 * No rollout anywhere: every server is served by its champion (see armPlan: the version its last
 * finished rollout left serving, else its newest placed version). The default until the rollouts
 * module binds RolloutWeights.
 */
@Injectable()
export class NoActiveRollouts implements ArmWeightsSource {
  forServer(): Promise<ArmWeights | null> {
    return Promise.resolve(null);
  }
}
