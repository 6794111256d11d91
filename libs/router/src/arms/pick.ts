// Draws an index with probability shares[i] using one rng() call. Arms with share 0 are never
// drawn, even when rounding leaves the cumulative sum a hair under 1.

export function pickIndex(shares: readonly number[], rng: () => number): number {
  const u = rng();
  let cumulative = 0;
  let lastPositive = -1;
  for (let i = 0; i < shares.length; i++) {
    const share = shares[i]!;
    if (share <= 0) continue;
    lastPositive = i;
    cumulative += share;
    if (u < cumulative) return i;
  }
  return lastPositive;
}
