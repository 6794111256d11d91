import { DEFAULT_BANDIT_PARAMS } from './bandit-params.js';
import { epsilonGreedyPreferences } from './epsilon-greedy.js';
import { shareAmongBest, ucb1Preferences } from './ucb1.js';

const params = { ...DEFAULT_BANDIT_PARAMS, halfLifeMs: Infinity };

describe('UCB1', () => {
  it('tries arms without data first (they share the preference)', () => {
    expect(ucb1Preferences(['a', 'b', 'c'], { a: { rewardSum: 9, count: 10, updatedAt: 0 } }, 0, params)).toEqual([0, 0.5, 0.5]);
  });

  it('prefers the higher mean when both are well observed', () => {
    const stats = { a: { rewardSum: 900, count: 1_000, updatedAt: 0 }, b: { rewardSum: 500, count: 1_000, updatedAt: 0 } };
    expect(ucb1Preferences(['a', 'b'], stats, 0, params)).toEqual([1, 0]);
  });

  it('explores an arm with a slightly lower mean but far fewer observations', () => {
    const stats = { a: { rewardSum: 600, count: 1_000, updatedAt: 0 }, b: { rewardSum: 5, count: 10, updatedAt: 0 } };
    expect(ucb1Preferences(['a', 'b'], stats, 0, params)).toEqual([0, 1]);
  });

  it('shareAmongBest splits ties evenly', () => {
    expect(shareAmongBest([1, 3, 3])).toEqual([0, 0.5, 0.5]);
  });
});

describe('ε-greedy', () => {
  it('gives ε/k to every arm and the rest to the best mean', () => {
    const stats = { a: { rewardSum: 1, count: 10, updatedAt: 0 }, b: { rewardSum: 9, count: 10, updatedAt: 0 } };
    const prefs = epsilonGreedyPreferences(['a', 'b'], stats, 0, { ...params, epsilon: 0.2 });
    expect(prefs).toEqual([expect.closeTo(0.1, 12), expect.closeTo(0.9, 12)]);
  });

  it('scores an arm without data at 0.5', () => {
    const stats = { a: { rewardSum: 4, count: 10, updatedAt: 0 } };
    expect(epsilonGreedyPreferences(['a', 'b'], stats, 0, { ...params, epsilon: 0 })).toEqual([0, 1]);
  });
});
