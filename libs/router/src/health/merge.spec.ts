import fc from 'fast-check';
import { mergeHealth } from './merge.js';
import type { HealthState, RunnerHealth } from './runner-health.js';

const runnerHealth: fc.Arbitrary<RunnerHealth> = fc
  .record({
    consecutiveFailures: fc.nat(10),
    intervalSuccesses: fc.nat(100),
    intervalFailures: fc.nat(100),
    ejections: fc.nat(5),
    ejected: fc.option(fc.record({ at: fc.nat(1_000), forMs: fc.integer({ min: 1, max: 300_000 }) })),
    cause: fc.constantFrom('consecutive-failures' as const, 'success-rate' as const),
    probeFailuresInRow: fc.nat(3),
    probeSuccessesInRow: fc.nat(3),
    probeDown: fc.boolean(),
  })
  .map(({ ejected, cause, ...rest }) => ({
    ...rest,
    ejectedAt: ejected ? ejected.at : null,
    ejectedUntil: ejected ? ejected.at + ejected.forMs : null,
    ejectionCause: ejected ? cause : null,
  }));
const healthState: fc.Arbitrary<HealthState> = fc.record({
  intervalStartedAt: fc.nat(1_000),
  runners: fc.dictionary(fc.constantFrom('a', 'b', 'c'), runnerHealth),
});

describe('merging replicas’ health', () => {
  it('is commutative and associative, so the order replicas are read in does not matter', () => {
    fc.assert(
      fc.property(healthState, healthState, healthState, (a, b, c) => {
        expect(mergeHealth(a, b)).toEqual(mergeHealth(b, a));
        expect(mergeHealth(mergeHealth(a, b), c)).toEqual(mergeHealth(a, mergeHealth(b, c)));
      }),
    );
  });

  it('adds interval counts and keeps the later ejection', () => {
    fc.assert(
      fc.property(runnerHealth, runnerHealth, (x, y) => {
        const merged = mergeHealth({ intervalStartedAt: 0, runners: { a: x } }, { intervalStartedAt: 0, runners: { a: y } }).runners.a!;
        expect(merged.intervalSuccesses).toBe(x.intervalSuccesses + y.intervalSuccesses);
        expect(merged.ejectedUntil ?? -1).toBe(Math.max(x.ejectedUntil ?? -1, y.ejectedUntil ?? -1));
      }),
    );
  });
});
