import fc from 'fast-check';
import { ejectedRunners, ejectionDurationMs, maxEjectedRunners } from './ejection.js';
import { DEFAULT_OUTLIER_CONFIG, type OutlierConfig } from './outlier-config.js';
import { recordOutcome } from './outlier-ejection.js';
import { emptyHealth, trackRunners, type HealthState } from './runner-health.js';

const config: OutlierConfig = { ...DEFAULT_OUTLIER_CONFIG };
const tracked = (n: number, now = 0) => trackRunners(emptyHealth(now), Array.from({ length: n }, (_, i) => `r${i}`));
const fail = (state: HealthState, runnerId: string, times: number, now: number) => {
  let s = state;
  for (let i = 0; i < times; i++) s = recordOutcome(s, runnerId, 'failure', now, config);
  return s;
};

describe('consecutive-failure ejection', () => {
  it('ejects a runner on its 5th failure in a row, not before', () => {
    const four = fail(tracked(4), 'r0', 4, 1_000);
    expect(ejectedRunners(four, 1_000)).toEqual([]);
    const five = recordOutcome(four, 'r0', 'failure', 1_000, config);
    expect(ejectedRunners(five, 1_000)).toEqual(['r0']);
    expect(five.runners.r0).toMatchObject({ ejections: 1, ejectedAt: 1_000, ejectedUntil: 31_000, ejectionCause: 'consecutive-failures' });
  });

  it('a success resets the run of failures', () => {
    let s = fail(tracked(4), 'r0', 4, 0);
    s = recordOutcome(s, 'r0', 'success', 0, config);
    s = fail(s, 'r0', 4, 0);
    expect(ejectedRunners(s, 0)).toEqual([]);
  });

  it('cancellations and auth denials neither count nor reset', () => {
    let s = fail(tracked(4), 'r0', 4, 0);
    s = recordOutcome(s, 'r0', 'ignored', 0, config);
    expect(s.runners.r0).toMatchObject({ consecutiveFailures: 4, intervalFailures: 4, intervalSuccesses: 0 });
    s = recordOutcome(s, 'r0', 'failure', 0, config);
    expect(ejectedRunners(s, 0)).toEqual(['r0']);
  });

  it('returns the runner when its ejection time is over', () => {
    const s = fail(tracked(4), 'r0', 5, 0);
    expect(ejectedRunners(s, 29_999)).toEqual(['r0']);
    expect(ejectedRunners(s, 30_000)).toEqual([]);
  });

  it('ejects for longer each time (base × times ejected), up to the maximum', () => {
    expect([1, 2, 3, 10, 11].map((n) => ejectionDurationMs(n, config))).toEqual([30_000, 60_000, 90_000, 300_000, 300_000]);
    let s = fail(tracked(4), 'r0', 5, 0);
    s = fail(s, 'r0', 5, 30_000); // back at 30 000 and failing again: the second ejection lasts 2 × 30 s
    expect(s.runners.r0).toMatchObject({ ejections: 2, ejectedUntil: 90_000 });
  });

  it('forgets old ejections one interval at a time while the runner stays in service', () => {
    let s = fail(tracked(4), 'r0', 5, 0);
    s = fail(s, 'r0', 5, 30_000);
    expect(s.runners.r0!.ejections).toBe(2);
    // Ejected until 90 000: the sweeps up to 90 000 (which returns it) leave the multiplier alone,
    // each later sweep lowers it by one.
    s = recordOutcome(s, 'r1', 'success', 90_000, config);
    expect(s.runners.r0!.ejections).toBe(2);
    s = recordOutcome(s, 'r1', 'success', 100_000, config);
    expect(s.runners.r0!.ejections).toBe(1);
    s = recordOutcome(s, 'r1', 'success', 130_000, config);
    expect(s.runners.r0!.ejections).toBe(0);
  });

  it('never ejects more than the maximum share: with 4 runners at 50%, the third is refused', () => {
    let s = tracked(4);
    for (const id of ['r0', 'r1', 'r2']) s = fail(s, id, 5, 0);
    expect(ejectedRunners(s, 0)).toEqual(['r0', 'r1']);
    expect(s.runners.r2!.consecutiveFailures).toBe(5);
  });

  it('with a single runner nothing is ejected (unlike Envoy, no "at least one")', () => {
    expect(maxEjectedRunners(1, config)).toBe(0);
    expect(ejectedRunners(fail(tracked(1), 'r0', 20, 0), 0)).toEqual([]);
  });

  it('does not mutate the state it is given', () => {
    const before = tracked(2);
    const copy = structuredClone(before);
    fail(before, 'r0', 6, 0);
    expect(before).toEqual(copy);
  });

  it('property: any sequence of outcomes keeps ejections within floor(maxEjectedShare × runners)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.tuple(fc.nat(11), fc.constantFrom('success', 'failure', 'failure', 'failure', 'ignored' as const), fc.nat(5_000)), {
          maxLength: 300,
        }),
        (runners, maxEjectedShare, events) => {
          const cfg = { ...config, maxEjectedShare, successRateRequestVolume: 3, successRateMinimumRunners: 2, consecutiveFailures: 3 };
          let s = trackRunners(emptyHealth(0), Array.from({ length: runners }, (_, i) => `r${i}`));
          let now = 0;
          for (const [runner, outcome, dt] of events) {
            now += dt;
            s = recordOutcome(s, `r${runner % runners}`, outcome, now, cfg);
            expect(ejectedRunners(s, now).length).toBeLessThanOrEqual(Math.floor(maxEjectedShare * runners + 1e-9));
          }
        },
      ),
    );
  });
});
