// Mixture sequential probability ratio test (mSPRT) for the difference of two error rates,
// challenger minus champion (Johari et al. 2017, normal mixture; see normal-mixture.ts).
//
// Why this and not a z-test: the canary gate is evaluated on every analysis tick. A fixed-sample
// z-test checked 20 times at α = 0.05 fires on about a quarter of identical versions (the specs
// measure it); the mSPRT keeps the false-alarm rate at or below α however often it is checked.
import {
  mixtureHalfWidth,
  mixtureLogLikelihoodRatio,
  pValueFromLogLikelihoodRatio,
  type MixtureParameters,
} from './normal-mixture.js';

export interface ErrorCounts {
  readonly calls: number;
  readonly errors: number;
}

export interface MsprtOptions extends MixtureParameters {
  readonly alpha: number;
  /** H0: challenger rate − champion rate = nullDifference (0 = "no worse at all"). */
  readonly nullDifference: number;
}

export interface TwoProportionTest {
  readonly championRate: number;
  readonly challengerRate: number;
  /** Challenger rate minus champion rate. */
  readonly difference: number;
  readonly variance: number;
  readonly logLikelihoodRatio: number;
  /** Always-valid p-value at this look: min(1, 1/Λ). */
  readonly pValue: number;
  /** (1 − α) confidence sequence for the difference: valid simultaneously over all looks. */
  readonly interval: readonly [number, number];
  /** Λ ≥ 1/α: the difference is not nullDifference (check `difference` for the direction). */
  readonly rejectsNull: boolean;
}

const rate = ({ calls, errors }: ErrorCounts): number => (calls > 0 ? errors / calls : 0);

/**
 * Bernoulli variance with half a pseudo-error and half a pseudo-success (a Jeffreys-style prior),
 * so two error-free arms still have a positive variance and the test needs real evidence.
 */
function smoothedVarianceOfRate({ calls, errors }: ErrorCounts): number {
  const p = (errors + 0.5) / (calls + 1);
  return (p * (1 - p)) / calls;
}

export function twoProportionMsprt(champion: ErrorCounts, challenger: ErrorCounts, options: MsprtOptions): TwoProportionTest {
  const championRate = rate(champion);
  const challengerRate = rate(challenger);
  const difference = challengerRate - championRate;
  if (champion.calls === 0 || challenger.calls === 0) {
    // No data on one side: no evidence either way (Λ = 1) and the widest possible interval.
    return {
      championRate,
      challengerRate,
      difference,
      variance: Number.POSITIVE_INFINITY,
      logLikelihoodRatio: 0,
      pValue: 1,
      interval: [-1, 1],
      rejectsNull: false,
    };
  }
  const variance = smoothedVarianceOfRate(champion) + smoothedVarianceOfRate(challenger);
  const logLikelihoodRatio = mixtureLogLikelihoodRatio(difference, variance, options.nullDifference, options);
  const halfWidth = mixtureHalfWidth(variance, options.alpha, options);
  return {
    championRate,
    challengerRate,
    difference,
    variance,
    logLikelihoodRatio,
    pValue: pValueFromLogLikelihoodRatio(logLikelihoodRatio),
    interval: [Math.max(-1, difference - halfWidth), Math.min(1, difference + halfWidth)],
    rejectsNull: logLikelihoodRatio >= Math.log(1 / options.alpha),
  };
}
