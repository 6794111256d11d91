// Floors: every healthy arm of a bandit keeps at least `floor` of the traffic, so a bandit that
// has (perhaps wrongly) written an arm off keeps observing it, and propensity-weighted estimates
// never divide by a tiny probability. With k arms the floor is at most 1/k (then: uniform).

/** Scales `weights` (≥ 0) to sum to 1; uniform when they are all 0. */
export function normalize(weights: readonly number[]): number[] {
  const k = weights.length;
  if (k === 0) return [];
  let sum = 0;
  for (const w of weights) sum += w > 0 ? w : 0;
  if (!(sum > 0)) return weights.map(() => 1 / k);
  return weights.map((w) => (w > 0 ? w / sum : 0));
}

/**
 * q_i = f + (1 − k·f) · p_i, with p = normalize(preferences) and f = min(floor, 1/k): a mixture of
 * "uniform over the arms" (weight k·f) and the bandit's preference, so every q_i ≥ f and Σq = 1.
 */
export function applyFloor(preferences: readonly number[], floor: number): number[] {
  const k = preferences.length;
  if (k === 0) return [];
  const f = Math.min(Math.max(0, floor), 1 / k);
  const p = normalize(preferences);
  return p.map((pi) => f + (1 - k * f) * pi);
}
