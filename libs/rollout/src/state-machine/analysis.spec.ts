import { arm, healthy, NO_METRICS, pool } from '../../test/metrics.js';
import { CHANGED_TOOLS, HOUR, MINUTE, T0, inLadderPhase, inPhase } from '../../test/rollouts.js';
import type { AnalysisMetrics } from '../analysis-metrics.js';
import type { RolloutState } from '../state.js';
import { rewardSumsOf, type RewardRecord } from '../stats/ipw.js';
import { CHAMPION_ONLY } from '../weights.js';
import { transition } from './transition.js';

const tick = (state: RolloutState, metrics: AnalysisMetrics, now: number) => transition(state, { type: 'analysis', metrics }, now);

/** A challenger failing 20% of calls in one nodepool, against a champion failing 2%. */
const failing: AnalysisMetrics = { nodepools: [pool('onprem-fra', arm(800, 16, 100), arm(200, 40, 100))] };

describe('analysis in CANARY', () => {
  const canary = inLadderPhase('CANARY');

  it('holds without an event while the step has too few calls or too little time', () => {
    const early = tick(canary, healthy(99), T0 + 10 * MINUTE);
    expect(early.state).toBe(canary);
    expect(early.events).toEqual([]);
    expect(early.assessment?.verdict).toBe('wait');
    expect(tick(canary, healthy(500), T0 + 4 * MINUTE).events).toEqual([]);
  });

  it('steps the weight up while gates pass: 1% → 5% → 25% → 50% → BANDIT', () => {
    let state = canary;
    let now = T0;
    const shares: number[] = [];
    for (let i = 0; i < 4; i++) {
      now += 6 * MINUTE;
      const result = tick(state, healthy(200), now);
      expect(result.events).toHaveLength(1);
      state = result.state;
      shares.push(state.weights.challenger);
    }
    expect(shares).toEqual([0.05, 0.25, 0.5, 0.5]);
    expect(state.phase).toBe('BANDIT');
  });

  it('records the step in an event with the assessment as its metrics', () => {
    const { state, events } = tick(canary, healthy(200), T0 + 6 * MINUTE);
    expect(state).toMatchObject({ canaryStep: 1, stepStartedAt: T0 + 6 * MINUTE, phaseStartedAt: T0 });
    expect(events[0]).toMatchObject({
      kind: 'WEIGHT_STEP',
      fromPhase: 'CANARY',
      toPhase: 'CANARY',
      weights: { champion: 0.95, challenger: 0.05 },
      actorType: 'ANALYSIS',
      actorKeyId: null,
      reason: 'gates passed in CANARY',
    });
    expect(events[0]?.metrics).toMatchObject({
      phase: 'CANARY',
      verdict: 'pass',
      window: { from: T0, to: T0 + 6 * MINUTE },
      toolsHashChanged: false,
    });
  });

  it('rolls back at once on an error-rate breach, before minimum calls or duration, naming the nodepool', () => {
    const { state, events } = tick(canary, failing, T0 + MINUTE);
    expect(state).toMatchObject({ phase: 'ROLLED_BACK', weights: CHAMPION_ONLY, finishedAt: T0 + MINUTE });
    expect(events[0]?.kind).toBe('ROLLED_BACK');
    expect(events[0]?.reason).toMatch(/^gate breached: nodepool onprem-fra: challenger error rate 20\.00% exceeds champion 2\.00%/);
    const gates = events[0]?.metrics?.['gates'] as Array<Record<string, unknown>>;
    expect(gates.find((g) => g['gate'] === 'errorRate')).toMatchObject({
      verdict: 'breach',
      details: { challengerCalls: 200, challengerErrors: 40, championCalls: 800, championErrors: 16 },
    });
  });

  it('rolls back on a p95 breach', () => {
    const slow = { nodepools: [pool('saas', arm(800, 8, 100), arm(200, 2, 200))] };
    expect(tick(canary, slow, T0 + 6 * MINUTE).state.phase).toBe('ROLLED_BACK');
  });

  it('applies the maximum-duration outcome when data stays inconclusive', () => {
    const now = T0 + 24 * HOUR;
    const { state, events } = tick(canary, healthy(10), now);
    expect(state.phase).toBe('ROLLED_BACK');
    expect(events[0]?.reason).toBe('CANARY reached its maximum duration of 1440 min without a verdict: rollback');
  });

  it.each([
    ['abort', 'ABORTED'],
    ['advance', 'BANDIT'],
  ] as const)('maximum-duration outcome %s leads to %s', (outcome, phase) => {
    const state = inLadderPhase('CANARY', { canary: { onMaxDuration: outcome } });
    expect(tick(state, NO_METRICS, T0 + 24 * HOUR).state.phase).toBe(phase);
  });

  it('lets a breach win over the maximum duration', () => {
    const state = inLadderPhase('CANARY', { canary: { onMaxDuration: 'advance' } });
    expect(tick(state, failing, T0 + 24 * HOUR).state.phase).toBe('ROLLED_BACK');
  });
});

describe('analysis in the other phases', () => {
  it('never advances PILOT (an operator does), but its maximum duration still ends it', () => {
    const pilot = inLadderPhase('PILOT');
    expect(tick(pilot, healthy(100_000), T0 + 6 * 24 * HOUR).events).toEqual([]);
    expect(tick(pilot, NO_METRICS, T0 + 7 * 24 * HOUR).state.phase).toBe('ROLLED_BACK');
  });

  it('advances SHADOW to CANARY on enough comparisons under the diff rate', () => {
    const shadow = inLadderPhase('SHADOW');
    const metrics = { nodepools: [], shadow: { compared: 500, differing: 3 } };
    const { state, events } = tick(shadow, metrics, T0 + 11 * MINUTE);
    expect(state).toMatchObject({ phase: 'CANARY', weights: { challenger: 0.01 } });
    expect(events[0]).toMatchObject({ kind: 'ADVANCED', fromPhase: 'SHADOW', toPhase: 'CANARY' });
  });

  it('rolls SHADOW back when responses differ too often', () => {
    const shadow = inLadderPhase('SHADOW');
    expect(tick(shadow, { nodepools: [], shadow: { compared: 500, differing: 100 } }, T0 + MINUTE).state.phase).toBe('ROLLED_BACK');
  });

  it('holds SHADOW for an operator when tools changed and the config blocks on it, and shows the change', () => {
    const shadow = inLadderPhase('SHADOW', { toolsHashChange: 'block' }, T0, CHANGED_TOOLS);
    const result = tick(shadow, { nodepools: [], shadow: { compared: 500, differing: 0 } }, T0 + HOUR);
    expect(result.events).toEqual([]);
    expect(result.assessment?.toolsHashChanged).toBe(true);
    expect(result.assessment?.gates[0]).toMatchObject({ gate: 'toolsHash', verdict: 'wait' });
    const advanced = transition(shadow, { type: 'command', command: 'advance' }, T0 + HOUR);
    expect(advanced.state.phase).toBe('CANARY');
  });

  it('shows a tools change in every analysis event without blocking by default', () => {
    const shadow = inLadderPhase('SHADOW', {}, T0, CHANGED_TOOLS);
    const { events } = tick(shadow, { nodepools: [], shadow: { compared: 500, differing: 0 } }, T0 + HOUR);
    expect(events[0]?.metrics).toMatchObject({ toolsHashChanged: true });
  });

  it('advances BANDIT to DECISION on enough challenger calls and time', () => {
    const bandit = inLadderPhase('BANDIT');
    expect(tick(bandit, healthy(999), T0 + HOUR).events).toEqual([]);
    expect(tick(bandit, healthy(1000), T0 + HOUR).state.phase).toBe('DECISION');
  });

  describe('DECISION', () => {
    const decision = inLadderPhase('DECISION', { decision: { minRecords: 1000 } });
    const records = (n: number, championMean: number, challengerMean: number): RewardRecord[] =>
      Array.from({ length: n }, (_, i): RewardRecord => {
        const arm = i % 2 === 0 ? 'champion' : 'challenger';
        const mean = arm === 'champion' ? championMean : challengerMean;
        // Deterministic rewards with the given mean: a fraction `mean` of each arm's records scores 1.
        const reward = (Math.floor(i / 2) * 0.6180339887) % 1 < mean ? 1 : 0;
        return { arm, reward, propensity: 0.5 };
      });

    it('promotes a challenger that is not worse, with IPW estimates, intervals and sizes in the event', () => {
      const metrics = { ...healthy(1000), rewards: rewardSumsOf(records(60_000, 0.8, 0.8)) };
      const { state, events } = tick(decision, metrics, T0 + HOUR);
      expect(state).toMatchObject({ phase: 'PROMOTED', weights: { challenger: 1, champion: 0 }, finishedAt: T0 + HOUR });
      const gates = events[0]?.metrics?.['gates'] as Array<Record<string, unknown>>;
      expect(gates.find((g) => g['gate'] === 'decision')).toMatchObject({
        verdict: 'pass',
        details: {
          estimator: 'self-normalized',
          champion: { records: 30_000 },
          challenger: { records: 30_000 },
          interval: [expect.any(Number), expect.any(Number)],
        },
      });
    });

    it('rolls back a challenger whose reward is surely lower', () => {
      const metrics = { ...healthy(1000), rewards: rewardSumsOf(records(4000, 0.8, 0.5)) };
      expect(tick(decision, metrics, T0 + HOUR).state.phase).toBe('ROLLED_BACK');
    });

    it('waits while inconclusive, then applies the maximum-duration outcome', () => {
      const metrics = { ...healthy(1000), rewards: rewardSumsOf(records(1000, 0.8, 0.8)) };
      expect(tick(decision, metrics, T0 + HOUR).events).toEqual([]);
      expect(tick(decision, metrics, T0 + 24 * HOUR).state.phase).toBe('ROLLED_BACK');
    });
  });
});

describe('analysis while PAUSED', () => {
  const paused = inPhase('PAUSED'); // paused in CANARY at 1%

  it('never resumes or advances, however good the data', () => {
    const result = tick(paused, healthy(100_000), T0 + HOUR);
    expect(result.events).toEqual([]);
    expect(result.assessment?.phase).toBe('CANARY');
  });

  it('still rolls back on a breach: a paused canary keeps serving its share', () => {
    expect(tick(paused, failing, T0 + HOUR).state).toMatchObject({ phase: 'ROLLED_BACK', weights: CHAMPION_ONLY });
  });

  it('ends after the PAUSED maximum duration (default: roll back)', () => {
    const { state, events } = tick(paused, NO_METRICS, T0 + 24 * HOUR);
    expect(state.phase).toBe('ROLLED_BACK');
    expect(events[0]?.reason).toBe('PAUSED (from CANARY) reached its maximum duration of 1440 min without a verdict: rollback');
  });

  it('can be configured to resume at its maximum duration instead', () => {
    const state = inPhase('PAUSED', { paused: { onMaxDuration: 'resume', maxDurationMs: HOUR } });
    const { state: after, events } = tick(state, NO_METRICS, T0 + HOUR);
    expect(after).toMatchObject({ phase: 'CANARY', pausedFromPhase: null, phaseStartedAt: T0 + HOUR });
    expect(events[0]).toMatchObject({ kind: 'RESUMED', actorType: 'ANALYSIS' });
  });
});

describe('analysis on an ended rollout', () => {
  it.each(['PROMOTED', 'ROLLED_BACK', 'ABORTED'] as const)('does nothing in %s', (phase) => {
    const state = inPhase(phase);
    expect(tick(state, failing, T0 + 100 * HOUR)).toEqual({ state, events: [], assessment: null });
  });
});
