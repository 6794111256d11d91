// How traffic is split between the arms that can take it right now: fixed weights (canary steps
// set by the rollout) or a bandit's preferences plus a floor per arm. The result is the exact
// probability of each arm for this decision; the chosen arm's entry is its propensity.
import { DEFAULT_BANDIT_PARAMS, type BanditParams } from '../bandits/bandit-params.js';
import type { ArmStatsByVersion } from '../bandits/arm-stats.js';
import { epsilonGreedyPreferences } from '../bandits/epsilon-greedy.js';
import { thompsonPreferences } from '../bandits/thompson.js';
import { ucb1Preferences } from '../bandits/ucb1.js';
import { applyFloor, normalize } from './floors.js';

/** A bandit's preference over the arms, computed off the request path and reused while fresh. */
export interface ArmPreferences {
  computedAt: number;
  byVersion: Readonly<Record<string, number>>;
}

export type ArmPolicy =
  | {
      kind: 'WEIGHTED';
      /** { versionId: weight }; missing = 0. Need not sum to 1 (normalized over available arms). */
      weights: Readonly<Record<string, number>>;
    }
  | {
      kind: 'THOMPSON' | 'UCB1' | 'EPSILON_GREEDY';
      stats: ArmStatsByVersion;
      params?: Partial<BanditParams>;
      preferences?: ArmPreferences;
    };

export interface ArmSharesOptions {
  now: number;
  rng: () => number;
  /** Bandits: the share every available arm keeps at least. */
  floorShare: number;
  /** Bandits: how old `preferences` may be before they are recomputed inline. */
  preferencesMaxAgeMs: number;
}

export interface ArmShares {
  versionIds: string[];
  shares: number[];
  source: 'weights' | 'cached-preferences' | 'computed-preferences';
}

export function banditPreferences(
  kind: 'THOMPSON' | 'UCB1' | 'EPSILON_GREEDY',
  versionIds: readonly string[],
  stats: ArmStatsByVersion,
  now: number,
  params: BanditParams,
  rng: () => number,
): number[] {
  switch (kind) {
    case 'THOMPSON':
      return thompsonPreferences(versionIds, stats, now, params, rng);
    case 'UCB1':
      return ucb1Preferences(versionIds, stats, now, params);
    case 'EPSILON_GREEDY':
      return epsilonGreedyPreferences(versionIds, stats, now, params);
  }
}

/**
 * Preferences for the control plane to compute periodically (e.g. each second or on new stats)
 * and pass back in the snapshot, so Thompson's Monte Carlo stays off the request path.
 */
export function computeArmPreferences(
  policy: Extract<ArmPolicy, { stats: unknown }>,
  versionIds: readonly string[],
  now: number,
  rng: () => number,
): ArmPreferences {
  const params = { ...DEFAULT_BANDIT_PARAMS, ...policy.params };
  const prefs = banditPreferences(policy.kind, versionIds, policy.stats, now, params, rng);
  return { computedAt: now, byVersion: Object.fromEntries(versionIds.map((id, i) => [id, prefs[i]!])) };
}

/**
 * Shares over `available` (arms not rolled back and with a routable runner); an arm not in the
 * list gets 0 by construction, which is how a rollback or an ejected arm drops to zero at once.
 * Empty when nothing can be chosen (no arms, or fixed weights that are all 0).
 */
export function armShares(available: readonly string[], policy: ArmPolicy, options: ArmSharesOptions): ArmShares {
  if (policy.kind === 'WEIGHTED') {
    const weights = available.map((id) => Math.max(0, policy.weights[id] ?? 0));
    // Fixed weights are the rollout's decision: no floor, and all-zero means "send nothing".
    if (!weights.some((w) => w > 0)) return { versionIds: [], shares: [], source: 'weights' };
    return { versionIds: [...available], shares: normalize(weights), source: 'weights' };
  }
  if (available.length === 0) return { versionIds: [], shares: [], source: 'computed-preferences' };
  const cached = policy.preferences;
  const fresh =
    cached !== undefined &&
    options.now - cached.computedAt <= options.preferencesMaxAgeMs &&
    available.every((id) => id in cached.byVersion);
  const preferences = fresh
    ? available.map((id) => cached.byVersion[id]!)
    : banditPreferences(policy.kind, available, policy.stats, options.now, { ...DEFAULT_BANDIT_PARAMS, ...policy.params }, options.rng);
  return {
    versionIds: [...available],
    shares: applyFloor(preferences, options.floorShare),
    source: fresh ? 'cached-preferences' : 'computed-preferences',
  };
}
