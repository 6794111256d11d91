import { ejectedRunners } from './ejection.js';
import { DEFAULT_OUTLIER_CONFIG } from './outlier-config.js';
import { recordOutcome } from './outlier-ejection.js';
import { recordProbe, type ProbeResult } from './probes.js';
import { emptyHealth, trackRunners, type HealthState } from './runner-health.js';

const config = { ...DEFAULT_OUTLIER_CONFIG };
const probe = (ok: boolean, at = 0, check: ProbeResult['check'] = 'ping'): ProbeResult => ({ runnerId: 'r0', check, ok, at });
const apply = (s: HealthState, ...probes: ProbeResult[]) => probes.reduce((acc, p) => recordProbe(acc, p, config), s);

describe('active probes', () => {
  const start = trackRunners(emptyHealth(0), ['r0', 'r1', 'r2', 'r3']);

  it('mark a runner down after 2 failed probes in a row, and up again after 2 passing ones', () => {
    expect(apply(start, probe(false)).runners.r0!.probeDown).toBe(false);
    const down = apply(start, probe(false), probe(false, 1, 'tools/list'));
    expect(down.runners.r0!.probeDown).toBe(true);
    expect(apply(down, probe(true)).runners.r0!.probeDown).toBe(true);
    expect(apply(down, probe(true), probe(true)).runners.r0!.probeDown).toBe(false);
  });

  it('a passing probe between failures restarts the count', () => {
    expect(apply(start, probe(false), probe(true), probe(false)).runners.r0!.probeDown).toBe(false);
  });

  it('a passing probe returns a runner ejected for consecutive failures (Envoy: uneject on active check)', () => {
    let s = start;
    for (let i = 0; i < 5; i++) s = recordOutcome(s, 'r0', 'failure', 0, config);
    expect(ejectedRunners(s, 1)).toEqual(['r0']);
    expect(ejectedRunners(apply(s, probe(true, 1)), 1)).toEqual([]);
    expect(ejectedRunners(recordProbe(s, probe(true, 1), { ...config, probeSuccessUnejects: false }), 1)).toEqual(['r0']);
  });

  it('does not return a success-rate outlier: answering ping says nothing about its tool calls', () => {
    const s: HealthState = {
      ...start,
      runners: { ...start.runners, r0: { ...start.runners.r0!, ejections: 1, ejectedAt: 0, ejectedUntil: 30_000, ejectionCause: 'success-rate' } },
    };
    expect(ejectedRunners(apply(s, probe(true, 1), probe(true, 2)), 3)).toEqual(['r0']);
  });
});
