// A small seeded PRNG for the statistical specs, so a simulation that passes today passes forever.

/** mulberry32: 32-bit state, good enough equidistribution for Monte Carlo checks; returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Number of successes in n Bernoulli(p) trials (n is small in the specs, so count them one by one). */
export function binomial(random: () => number, n: number, p: number): number {
  let successes = 0;
  for (let i = 0; i < n; i++) if (random() < p) successes++;
  return successes;
}
