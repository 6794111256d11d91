import { arm, pool } from '../../test/metrics.js';
import { parseRolloutConfig } from '../config.js';
import { errorRateGates } from './error-rate.js';

const config = parseRolloutConfig({}).errorRate;

describe('errorRateGates', () => {
  it('breaches when the challenger errs more than the champion, with the numbers in the details', () => {
    const [result] = errorRateGates([pool('onprem-fra', arm(800, 16), arm(200, 40))], config);
    expect(result).toMatchObject({ gate: 'errorRate', verdict: 'breach', nodepoolId: 'onprem-fra' });
    expect(result?.reason).toMatch(/nodepool onprem-fra: challenger error rate 20\.00% exceeds champion 2\.00%/);
    expect(result?.details).toMatchObject({ compared: true, challengerRate: 0.2, championRate: 0.02 });
    expect(result?.details['difference']).toBeCloseTo(0.18);
    expect(result?.details['pValue']).toBeLessThan(0.05);
  });

  it('passes when the error rates are alike', () => {
    const [result] = errorRateGates([pool('saas', arm(800, 16), arm(200, 5))], config);
    expect(result?.verdict).toBe('pass');
  });

  it('passes a challenger that errs less (the gate is one-sided)', () => {
    const [result] = errorRateGates([pool('saas', arm(5000, 1000), arm(5000, 10))], config);
    expect(result?.verdict).toBe('pass');
    expect(result?.details['pValue']).toBeLessThan(0.05);
  });

  it('lets the worst nodepool decide: a failure on-prem is not averaged away by healthy SaaS traffic', () => {
    const results = errorRateGates(
      [pool('saas', arm(20_000, 200), arm(5000, 50)), pool('onprem', arm(400, 4), arm(100, 30))],
      config,
    );
    expect(results.map((r) => [r.nodepoolId, r.verdict])).toEqual([
      ['saas', 'pass'],
      ['onprem', 'breach'],
    ]);
  });

  it('does not compare a nodepool until both arms have the minimum calls there', () => {
    const [result] = errorRateGates([pool('vpc', arm(1000, 0), arm(19, 19))], config);
    expect(result).toMatchObject({ verdict: 'pass', details: { compared: false, challengerErrors: 19 } });
  });

  it('tolerates an increase up to maxIncrease', () => {
    const metrics = [pool('saas', arm(50_000, 2500), arm(50_000, 3000))];
    expect(errorRateGates(metrics, config)[0]?.verdict).toBe('breach');
    expect(errorRateGates(metrics, { ...config, maxIncrease: 0.01 })[0]?.verdict).toBe('pass');
  });
});
