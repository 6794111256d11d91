// Parameters shared by the bandit policies (RoutePolicy.routerParams in Postgres).

export interface BanditParams {
  /** Observation weight halves after this long (ms); Infinity = no discounting. */
  halfLifeMs: number;
  /** Thompson: Beta prior pseudo-counts. 1/1 is the uniform prior. */
  priorAlpha: number;
  priorBeta: number;
  /** Thompson: Monte Carlo draws to estimate each arm's probability of being best. */
  draws: number;
  /** UCB1: exploration constant c in mean + c·√(2 ln N / n). */
  exploration: number;
  /** ε-greedy: share spread evenly over all arms; the rest goes to the best mean. */
  epsilon: number;
}

export const DEFAULT_BANDIT_PARAMS: Readonly<BanditParams> = Object.freeze({
  // Ten minutes: long enough to average out bursts, short enough to notice a version going bad
  // within a rollout step (the non-stationary case discounted Thompson sampling exists for).
  halfLifeMs: 600_000,
  priorAlpha: 1,
  priorBeta: 1,
  // Standard error of a share ≤ √(0.25 / 1000) ≈ 0.016; the recorded propensity is exact anyway,
  // because the arm is drawn from these estimated shares (see docs/router.md).
  draws: 1_000,
  exploration: 1,
  epsilon: 0.1,
});
