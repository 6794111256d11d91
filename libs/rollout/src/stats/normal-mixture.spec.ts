import { mixtureHalfWidth, mixtureLogLikelihoodRatio, pValueFromLogLikelihoodRatio } from './normal-mixture.js';

const tau = { mixtureStdDev: 0.05 };

describe('normal mixture', () => {
  it('gives Λ < 1 when the estimate equals the null value (no evidence is evidence for H0)', () => {
    expect(mixtureLogLikelihoodRatio(0.1, 1e-4, 0.1, tau)).toBeLessThan(0);
  });

  it('puts the confidence sequence edge exactly where Λ = 1/α', () => {
    const variance = 2e-4;
    const halfWidth = mixtureHalfWidth(variance, 0.05, tau);
    expect(mixtureLogLikelihoodRatio(0.03 + halfWidth, variance, 0.03, tau)).toBeCloseTo(Math.log(20), 9);
    expect(mixtureLogLikelihoodRatio(0.03 - halfWidth, variance, 0.03, tau)).toBeCloseTo(Math.log(20), 9);
  });

  it('narrows as the variance shrinks, but more slowly than a fixed-sample interval (the price of peeking)', () => {
    const wide = mixtureHalfWidth(1e-3, 0.05, tau);
    const narrow = mixtureHalfWidth(1e-5, 0.05, tau);
    expect(narrow).toBeLessThan(wide);
    // A fixed-sample 95% interval is 1.96·sqrt(V); the always-valid one is wider.
    expect(narrow).toBeGreaterThan(1.96 * Math.sqrt(1e-5));
  });

  it('stays finite for a zero variance and huge evidence', () => {
    expect(Number.isFinite(mixtureHalfWidth(0, 0.05, tau))).toBe(true);
    const logLr = mixtureLogLikelihoodRatio(0.5, 0, 0, tau);
    expect(Number.isFinite(logLr)).toBe(true);
    expect(pValueFromLogLikelihoodRatio(logLr)).toBe(0);
    expect(pValueFromLogLikelihoodRatio(-3)).toBe(1);
  });
});
