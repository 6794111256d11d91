// RoutePolicy.routerParams (a JSON object in Postgres): the bandit, floor and reward settings an
// operator may set. One strict schema, so a typo ("epsilion") is an error when the policy is saved
// rather than a silently ignored key.
import { DomainError } from '@switchyard/protocol';
import { z } from 'zod';
import { DEFAULT_BANDIT_PARAMS, type BanditParams } from './bandits/bandit-params.js';
import { DEFAULT_REWARD_WEIGHTS, type RewardWeights } from './reward.js';
import { DEFAULT_ROUTER_CONFIG } from './router-config.js';

const share = z.number().min(0).max(1);
const nonNegative = z.number().min(0);

export const routerParamsSchema = z.strictObject({
  /** Observation weight halves after this long; null = no discounting (JSON has no Infinity). */
  halfLifeMs: z.number().positive().nullable().optional(),
  priorAlpha: z.number().positive().optional(),
  priorBeta: z.number().positive().optional(),
  draws: z.number().int().min(10).max(100_000).optional(),
  exploration: nonNegative.optional(),
  epsilon: share.optional(),
  /** At most 0.5: above that, two arms could not both keep their floor. */
  floorShare: z.number().min(0).max(0.5).optional(),
  reward: z
    .strictObject({
      success: nonNegative.optional(),
      latency: nonNegative.optional(),
      cost: nonNegative.optional(),
      referenceLatencyMs: z.number().positive().optional(),
      referenceCostPerCall: nonNegative.optional(),
    })
    .optional(),
});

export interface RouterParams {
  bandit: BanditParams;
  floorShare: number;
  reward: RewardWeights;
}

/** Parses routerParams with the defaults filled in; throws BAD_USER_INPUT naming each bad field. */
export function parseRouterParams(json: unknown): RouterParams {
  const parsed = routerParamsSchema.safeParse(json ?? {});
  if (!parsed.success) {
    throw DomainError.badInput(
      parsed.error.issues.map((issue) => ({
        path: ['routerParams', ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    );
  }
  const { halfLifeMs, floorShare, reward, ...bandit } = parsed.data;
  return {
    bandit: {
      ...DEFAULT_BANDIT_PARAMS,
      ...bandit,
      ...(halfLifeMs !== undefined ? { halfLifeMs: halfLifeMs ?? Infinity } : {}),
    },
    floorShare: floorShare ?? DEFAULT_ROUTER_CONFIG.floorShare,
    reward: { ...DEFAULT_REWARD_WEIGHTS, ...reward },
  };
}
