import fc from 'fast-check';
import { healthView, isRoutable, type HealthView } from './health-filter.js';
import { DEFAULT_OUTLIER_CONFIG } from './outlier-config.js';
import { freshRunnerHealth, type HealthState, type RunnerHealth } from './runner-health.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `r${i}`);
function state(overrides: Record<string, Partial<RunnerHealth>>): HealthState {
  return { intervalStartedAt: 0, runners: Object.fromEntries(Object.entries(overrides).map(([id, h]) => [id, { ...freshRunnerHealth(), ...h }])) };
}
const routable = (view: HealthView, n: number) => ids(n).filter((id) => isRoutable(view, id));
const ejectedAt = (at: number): Partial<RunnerHealth> => ({ ejections: 1, ejectedAt: at, ejectedUntil: at + 30_000, ejectionCause: 'consecutive-failures' });

describe('route-time health view', () => {
  it('leaves out ejected and probed-down runners', () => {
    const sut = healthView(ids(4), state({ r0: ejectedAt(0), r1: { probeDown: true } }), 10, DEFAULT_OUTLIER_CONFIG);
    expect(routable(sut, 4)).toEqual(['r2', 'r3']);
    expect(sut.ejected).toEqual(['r0']);
    expect(sut.probeDown).toEqual(['r1']);
    expect(sut.panic).toBe(false);
    expect(sut.healthyShare).toBe(0.5);
  });

  it('with no ejections and no failed probes everything is routable', () => {
    const sut = healthView(ids(3), state({ r0: {} }), 10, DEFAULT_OUTLIER_CONFIG);
    expect(routable(sut, 3)).toHaveLength(3);
    expect(sut.healthyShare).toBe(1);
  });

  it('caps ejections at the maximum share of these runners, keeping the oldest ejections', () => {
    // The shared state says 3 of 4 are ejected (e.g. merged from replicas); only 2 may be.
    const sut = healthView(ids(4), state({ r0: ejectedAt(5), r1: ejectedAt(1), r2: ejectedAt(3) }), 10, DEFAULT_OUTLIER_CONFIG);
    expect(sut.ejected).toEqual(['r1', 'r2']);
    expect(routable(sut, 4)).toEqual(['r0', 'r3']);
  });

  it('panics below the threshold and routes across every runner, ignoring health', () => {
    const sut = healthView(ids(4), state({ r0: ejectedAt(0), r1: { probeDown: true }, r2: { probeDown: true } }), 10, DEFAULT_OUTLIER_CONFIG);
    expect(sut.healthyShare).toBe(0.25);
    expect(sut.panic).toBe(true);
    expect(routable(sut, 4)).toHaveLength(4);
  });

  it('property: ejected ≤ floor(maxEjectedShare × runners), and something is always routable', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.record({ ejected: fc.boolean(), at: fc.nat(100), probeDown: fc.boolean() }), { minLength: 30, maxLength: 30 }),
        (n, maxEjectedShare, panicThreshold, flags) => {
          const s = state(Object.fromEntries(flags.map((f, i) => [`r${i}`, { ...(f.ejected ? ejectedAt(f.at) : {}), probeDown: f.probeDown }])));
          const sut = healthView(ids(n), s, 100, { maxEjectedShare, panicThreshold: Math.max(panicThreshold, 1e-9) });
          expect(sut.ejected.length).toBeLessThanOrEqual(Math.floor(maxEjectedShare * n + 1e-9));
          expect(routable(sut, n).length).toBeGreaterThan(0);
        },
      ),
    );
  });
});
