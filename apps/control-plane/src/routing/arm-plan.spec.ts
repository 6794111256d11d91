import { armPlan, type ArmPlanInput } from './arm-plan.js';

const versions = [
  { id: 'v3', stateless: false, toolsHash: null },
  { id: 'v2', stateless: true, toolsHash: 'h' },
  { id: 'v1', stateless: true, toolsHash: 'h' },
];
const input = (over: Partial<ArmPlanInput>): ArmPlanInput => ({ routerKind: 'WEIGHTED', versions, placedVersionIds: new Set(['v1', 'v2']), rollout: null, championVersionId: null, ...over });

describe('armPlan', () => {
  it('without a rollout sends everything to the newest placed version', () => {
    const sut = armPlan(input({}));

    expect(sut.split).toEqual({ kind: 'WEIGHTED', weights: { v2: 1 } });
    expect(sut.rolloutId).toBeNull();
    expect(sut.arms.map((a) => a.rolledBack)).toEqual([false, false, false]);
  });

  it('keeps the champion a finished rollout left serving, so a rolled-back challenger does not come back', () => {
    expect(armPlan(input({ championVersionId: 'v1' })).split).toEqual({ kind: 'WEIGHTED', weights: { v1: 1 } });
  });

  it('ignores a champion that is no longer placed', () => {
    expect(armPlan(input({ championVersionId: 'v3' })).split).toEqual({ kind: 'WEIGHTED', weights: { v2: 1 } });
  });

  it("uses an active rollout's weights outside its bandit phase", () => {
    const sut = armPlan(input({ rollout: { rolloutId: 'r', phase: 'CANARY', weights: { v1: 0.9, v2: 0.1 } } }));

    expect(sut.split).toEqual({ kind: 'WEIGHTED', weights: { v1: 0.9, v2: 0.1 } });
    expect(sut.rolloutId).toBe('r');
  });

  it("hands the rollout's two versions to the policy's bandit in BANDIT, Thompson when the policy has fixed weights", () => {
    const rollout = { rolloutId: 'r', phase: 'BANDIT', weights: { v1: 0.5, v2: 0.5 } };

    const weighted = armPlan(input({ rollout }));
    const ucb = armPlan(input({ rollout, routerKind: 'UCB1' }));

    expect(weighted.split).toEqual({ kind: 'THOMPSON' });
    expect(ucb.split).toEqual({ kind: 'UCB1' });
    // Versions outside the rollout must not get a bandit's floor share.
    expect(weighted.arms.filter((a) => !a.rolledBack).map((a) => a.versionId)).toEqual(['v2', 'v1']);
  });

  it('lets a bandit policy without a rollout choose among every version', () => {
    const sut = armPlan(input({ routerKind: 'EPSILON_GREEDY' }));

    expect(sut.split).toEqual({ kind: 'EPSILON_GREEDY' });
    expect(sut.arms.every((a) => !a.rolledBack)).toBe(true);
  });
});
