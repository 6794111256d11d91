// Beta draws from a uniform rng: Beta(a, b) = X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b), and
// Gamma by Marsaglia & Tsang (2000), "A simple method for generating gamma variables", with the
// shape < 1 boost Gamma(a) = Gamma(a + 1) · U^(1/a). Normals by Box–Muller.

/** A uniform in (0, 1): rng() may return 0, which log() and the power below cannot take. */
function openUniform(rng: () => number): number {
  const u = rng();
  return u > 0 ? u : Number.MIN_VALUE;
}

export function standardNormal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(openUniform(rng))) * Math.cos(2 * Math.PI * rng());
}

const MAX_ATTEMPTS = 64;

export function sampleGamma(shape: number, rng: () => number): number {
  if (shape < 1) return sampleGamma(shape + 1, rng) * openUniform(rng) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  // Accepts within a few tries for any real uniform source (rate > 95%); the bound only stops a
  // degenerate rng (e.g. a constant) from hanging the request path, by answering the mean.
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = openUniform(rng);
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
  return shape;
}

export function sampleBeta(alpha: number, beta: number, rng: () => number): number {
  const x = sampleGamma(alpha, rng);
  const y = sampleGamma(beta, rng);
  return x + y > 0 ? x / (x + y) : 0.5;
}
