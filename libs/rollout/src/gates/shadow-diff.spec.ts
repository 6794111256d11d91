import { parseRolloutConfig } from '../config.js';
import { shadowDiffGate } from './shadow-diff.js';

const config = parseRolloutConfig({}).shadow; // 200 comparisons, 5%

describe('shadowDiffGate', () => {
  it('waits for the minimum number of comparisons, even when they all differ', () => {
    expect(shadowDiffGate({ compared: 199, differing: 199 }, config).verdict).toBe('wait');
    expect(shadowDiffGate(undefined, config)).toMatchObject({ verdict: 'wait', details: { compared: 0 } });
  });

  it('passes at or under the maximum diff rate', () => {
    expect(shadowDiffGate({ compared: 200, differing: 10 }, config)).toMatchObject({ verdict: 'pass', details: { diffRate: 0.05 } });
  });

  it('breaches over it', () => {
    const result = shadowDiffGate({ compared: 200, differing: 11 }, config);
    expect(result.verdict).toBe('breach');
    expect(result.reason).toBe('shadow diff rate 5.50% exceeds 5.00% over 200 comparisons');
  });
});
