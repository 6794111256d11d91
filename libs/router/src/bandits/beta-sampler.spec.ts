import { seededRng } from '../seeded-rng.js';
import { sampleBeta, sampleGamma } from './beta-sampler.js';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSq / n - mean * mean };
}

describe('Beta and Gamma draws (seeded, so these checks are deterministic)', () => {
  it.each([
    [2, 5],
    [0.5, 0.5],
    [30, 3],
    [1, 1],
  ])('Beta(%d, %d) has the right mean and variance', (a, b) => {
    const rng = seededRng(42);
    const { mean, variance } = moments(() => sampleBeta(a, b, rng), 40_000);
    const expectedMean = a / (a + b);
    const expectedVariance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    expect(Math.abs(mean - expectedMean)).toBeLessThan(0.01);
    expect(Math.abs(variance - expectedVariance) / expectedVariance).toBeLessThan(0.05);
  });

  it('Gamma(k) with k < 1 has mean k', () => {
    const rng = seededRng(7);
    expect(moments(() => sampleGamma(0.3, rng), 40_000).mean).toBeCloseTo(0.3, 1);
  });

  it.each([0, 0.5, 1 - Number.EPSILON])('a degenerate rng that always returns %d still gives a draw in [0, 1] (no endless loop)', (u) => {
    for (const [a, b] of [[2, 3], [0.2, 0.7], [500, 1]] as const) {
      const x = sampleBeta(a, b, () => u);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
  });
});
