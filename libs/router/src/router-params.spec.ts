import { ErrorCode, isDomainError } from '@switchyard/protocol';
import { DEFAULT_BANDIT_PARAMS } from './bandits/bandit-params.js';
import { DEFAULT_REWARD_WEIGHTS } from './reward.js';
import { parseRouterParams } from './router-params.js';

function problems(json: unknown): string[] {
  try {
    parseRouterParams(json);
  } catch (error) {
    if (isDomainError(error) && error.code === ErrorCode.BAD_USER_INPUT) return (error.details.fields ?? []).map((f) => f.path);
    throw error;
  }
  throw new Error('expected BAD_USER_INPUT');
}

describe('routerParams', () => {
  it('an empty object (the column default) gives every default', () => {
    expect(parseRouterParams({})).toEqual({ bandit: DEFAULT_BANDIT_PARAMS, floorShare: 0.05, reward: DEFAULT_REWARD_WEIGHTS });
    expect(parseRouterParams(null).floorShare).toBe(0.05);
  });

  it('takes what the operator sets and keeps the rest', () => {
    const sut = parseRouterParams({ epsilon: 0.2, floorShare: 0.1, reward: { latency: 0.5, referenceLatencyMs: 500 } });
    expect(sut.bandit).toEqual({ ...DEFAULT_BANDIT_PARAMS, epsilon: 0.2 });
    expect(sut.floorShare).toBe(0.1);
    expect(sut.reward).toEqual({ ...DEFAULT_REWARD_WEIGHTS, latency: 0.5, referenceLatencyMs: 500 });
  });

  it('halfLifeMs null turns discounting off', () => {
    expect(parseRouterParams({ halfLifeMs: null }).bandit.halfLifeMs).toBe(Infinity);
    expect(parseRouterParams({ halfLifeMs: 60_000 }).bandit.halfLifeMs).toBe(60_000);
  });

  it('names every bad or unknown field', () => {
    expect(problems({ epsilon: 2, draws: 1.5, discount: 0.99, reward: { sucess: 1 } })).toEqual(
      expect.arrayContaining(['routerParams.epsilon', 'routerParams.draws', 'routerParams', 'routerParams.reward']),
    );
    expect(problems({ floorShare: 0.6 })).toEqual(['routerParams.floorShare']);
  });
});
