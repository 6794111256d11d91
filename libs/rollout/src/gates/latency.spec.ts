import { arm, pool } from '../../test/metrics.js';
import { parseRolloutConfig } from '../config.js';
import { latencyGates } from './latency.js';

const config = parseRolloutConfig({}).latency; // tolerance 20%, slack 10 ms, 50 samples

describe('latencyGates', () => {
  it('breaches when the challenger p95 exceeds champion p95 × 1.2 + 10 ms', () => {
    const [result] = latencyGates([pool('saas', arm(100, 0, 200), arm(100, 0, 251))], config);
    expect(result).toMatchObject({ verdict: 'breach', details: { limitMs: 250, challengerP95Ms: 251 } });
    expect(result?.reason).toMatch(/challenger p95 251 ms exceeds the limit of 250\.0 ms/);
  });

  it('passes at the limit', () => {
    expect(latencyGates([pool('saas', arm(100, 0, 200), arm(100, 0, 250))], config)[0]?.verdict).toBe('pass');
  });

  it('uses the slack so tiny latencies do not breach on a few milliseconds', () => {
    expect(latencyGates([pool('saas', arm(100, 0, 3), arm(100, 0, 12))], config)[0]?.verdict).toBe('pass');
  });

  it('compares within each nodepool: a slow on-prem pool is judged against on-prem', () => {
    const results = latencyGates(
      [pool('saas', arm(100, 0, 50), arm(100, 0, 55)), pool('onprem', arm(100, 0, 400), arm(100, 0, 420))],
      config,
    );
    expect(results.map((r) => r.verdict)).toEqual(['pass', 'pass']);
  });

  it('does not compare without enough samples or without a summary', () => {
    const results = latencyGates(
      [pool('a', arm(100, 0, 50), arm(100, 0, 5000, 49)), pool('b', arm(100, 0, null), arm(100, 0, 5000))],
      config,
    );
    expect(results.map((r) => [r.verdict, r.details['compared']])).toEqual([
      ['pass', false],
      ['pass', false],
    ]);
  });
});
