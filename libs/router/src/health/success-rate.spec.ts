import { ejectedRunners } from './ejection.js';
import { DEFAULT_OUTLIER_CONFIG } from './outlier-config.js';
import { recordOutcome } from './outlier-ejection.js';
import { emptyHealth, type HealthState } from './runner-health.js';
import { advanceInterval, successRateOutliers } from './success-rate.js';

const config = { ...DEFAULT_OUTLIER_CONFIG, successRateRequestVolume: 20, successRateMinimumRunners: 5 };

/** Interleaves calls so no runner reaches 5 failures in a row: only the sweep can eject. */
function traffic(successRates: Record<string, number>, calls: number, now: number): HealthState {
  let s = emptyHealth(0);
  for (let i = 0; i < calls; i++) {
    for (const [id, rate] of Object.entries(successRates)) {
      // Failures spread evenly (never 5 in a row for these rates).
      const failed = Math.floor((i + 1) * (1 - rate)) > Math.floor(i * (1 - rate));
      s = recordOutcome(s, id, failed ? 'failure' : 'success', now, config);
    }
  }
  return s;
}

describe('success-rate outliers (the interval sweep)', () => {
  const rates = { a: 1, b: 1, c: 1, d: 0.9, e: 0.5 };

  it('finds runners below mean − 1.9 × stdev among runners with enough volume', () => {
    expect(successRateOutliers(traffic(rates, 20, 1_000), 1_000, config)).toEqual(['e']);
  });

  it('ejects them when the interval ends, and starts a new interval with fresh counters', () => {
    const s = traffic(rates, 20, 1_000);
    expect(ejectedRunners(s, 1_000)).toEqual([]);
    const swept = advanceInterval(s, config.intervalMs, config);
    expect(ejectedRunners(swept, config.intervalMs)).toEqual(['e']);
    expect(swept.runners.e).toMatchObject({ ejectionCause: 'success-rate', ejectedAt: config.intervalMs });
    expect(swept.runners.a).toMatchObject({ intervalSuccesses: 0, intervalFailures: 0 });
    expect(swept.intervalStartedAt).toBe(config.intervalMs);
  });

  it('the next outcome after the interval runs the sweep by itself', () => {
    const s = recordOutcome(traffic(rates, 20, 1_000), 'a', 'success', config.intervalMs + 1, config);
    expect(ejectedRunners(s, config.intervalMs + 1)).toEqual(['e']);
  });

  it('does nothing with fewer runners than success_rate_minimum_hosts', () => {
    expect(successRateOutliers(traffic({ a: 1, b: 1, c: 1, e: 0.1 }, 20, 0), 0, config)).toEqual([]);
  });

  it('ignores runners below the request volume', () => {
    expect(successRateOutliers(traffic(rates, 19, 0), 0, config)).toEqual([]);
  });

  it('does not run before the interval is over', () => {
    const s = traffic(rates, 20, 0);
    expect(advanceInterval(s, config.intervalMs - 1, config)).toBe(s);
  });
});
