// A small deterministic uniform generator for tests, simulations and benchmarks (production passes
// Math.random). sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128-bit state, passes
// PractRand to 2^40+ bytes, which is plenty for Monte Carlo shares.

export function seededRng(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  // Mix the seed in before the first value is used.
  for (let i = 0; i < 12; i++) next();
  return next;
}
