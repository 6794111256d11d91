// The normal-mixture sequential test that the mSPRT and the confidence sequences below share.
//
// For an estimate θ̂ that is (approximately) normal with variance V, mixing the likelihood ratio
// of θ against θ0 over a prior θ ~ N(θ0, τ²) gives the closed form
//
//   Λ = sqrt(V / (V + τ²)) · exp( τ² (θ̂ − θ0)² / (2 V (V + τ²)) )
//
// (Robbins 1970; Johari, Koomen, Pekelis & Walsh, "Peeking at A/B tests", KDD 2017, and
// "Always valid inference", Operations Research 2022, section 4, where V = 2σ²/n). Λ is a
// nonnegative martingale under H0, so by Ville's inequality P(Λ ever ≥ 1/α) ≤ α: the test may be
// checked after every call, or on every analysis tick, without inflating the false-alarm rate.
// Inverting it gives a confidence sequence, {θ0 : Λ(θ0) < 1/α}, which is θ̂ ± halfWidth below.
// With estimated variances the guarantee is asymptotic (Waudby-Smith et al., "Time-uniform central
// limit theory", 2021); the simulations in the specs check it at the sample sizes we use.

/** A variance of 0 (every observation identical) would make Λ undefined; treat it as tiny instead. */
const VARIANCE_FLOOR = 1e-12;

export interface MixtureParameters {
  /** τ: the spread of effects we expect; the test has most power for effects of about this size. */
  readonly mixtureStdDev: number;
}

/** log Λ for H0: θ = θ0, given an estimate and its variance. */
export function mixtureLogLikelihoodRatio(
  estimate: number,
  variance: number,
  nullValue: number,
  { mixtureStdDev }: MixtureParameters,
): number {
  const v = Math.max(variance, VARIANCE_FLOOR);
  const tau2 = mixtureStdDev * mixtureStdDev;
  const distance = estimate - nullValue;
  return 0.5 * Math.log(v / (v + tau2)) + (tau2 * distance * distance) / (2 * v * (v + tau2));
}

/** Half the width of the (1 − α) normal-mixture confidence sequence around the estimate. */
export function mixtureHalfWidth(variance: number, alpha: number, { mixtureStdDev }: MixtureParameters): number {
  const v = Math.max(variance, VARIANCE_FLOOR);
  const tau2 = mixtureStdDev * mixtureStdDev;
  return Math.sqrt(((v * (v + tau2)) / tau2) * (2 * Math.log(1 / alpha) + Math.log((v + tau2) / v)));
}

/** The always-valid p-value at this look, min(1, 1/Λ), computed in log space so it never overflows. */
export function pValueFromLogLikelihoodRatio(logLikelihoodRatio: number): number {
  return Math.min(1, Math.exp(-logLikelihoodRatio));
}
