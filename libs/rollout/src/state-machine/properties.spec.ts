// Invariants of the state machine over random sequences of commands and analysis ticks.
import fc from 'fast-check';
import { NO_METRICS } from '../../test/metrics.js';
import { T0 } from '../../test/rollouts.js';
import type { AnalysisMetrics } from '../analysis-metrics.js';
import { RolloutCommandRefused, type RolloutCommandName } from '../errors.js';
import { ROLLOUT_PHASES, isTerminal, type RolloutPhase } from '../phases.js';
import { startRollout, type RolloutState } from '../state.js';
import { rewardSumsOf } from '../stats/ipw.js';
import { maxDurationOf } from './analysis.js';
import { transition, type RolloutInput } from './transition.js';

const HOUR = 3600_000;
const MINUTE = 60_000;

const phaseOutcome = fc.constantFrom('rollback', 'abort', 'advance');
const configArb = fc.record({
  pilot: fc.record({ onMaxDuration: phaseOutcome }),
  shadow: fc.record({ enabled: fc.boolean(), onMaxDuration: phaseOutcome, minComparisons: fc.integer({ min: 0, max: 300 }) }),
  canary: fc.record({
    steps: fc.constantFrom([0.01, 0.05, 0.25, 0.5], [0.1], [0.2, 0.9]),
    onMaxDuration: phaseOutcome,
    minCallsPerStep: fc.integer({ min: 0, max: 300 }),
    minStepDurationMs: fc.constantFrom(MINUTE, 5 * MINUTE),
  }),
  bandit: fc.record({ enabled: fc.boolean(), onMaxDuration: phaseOutcome, minCalls: fc.integer({ min: 0, max: 2000 }) }),
  decision: fc.record({ onMaxDuration: phaseOutcome, minRecords: fc.integer({ min: 0, max: 200 }), nonInferiorityMargin: fc.constantFrom(0.02, 0.5) }),
  paused: fc.record({ onMaxDuration: fc.constantFrom('rollback', 'abort', 'resume') }),
  toolsHashChange: fc.constantFrom('show', 'block'),
});

const armArb = fc
  .record({ calls: fc.integer({ min: 0, max: 2000 }), errorRate: fc.constantFrom(0, 0.01, 0.05, 0.3), p95Ms: fc.option(fc.integer({ min: 5, max: 500 })) })
  .map(({ calls, errorRate, p95Ms }) => ({
    calls,
    errors: Math.round(calls * errorRate),
    latency: p95Ms === null ? null : { count: calls, p95Ms },
  }));

const metricsArb: fc.Arbitrary<AnalysisMetrics> = fc.record({
  nodepools: fc.array(fc.record({ nodepoolId: fc.constantFrom('saas', 'vpc', 'onprem'), champion: armArb, challenger: armArb }), { maxLength: 2 }),
  shadow: fc.option(
    fc.record({ compared: fc.integer({ min: 0, max: 1000 }), differing: fc.integer({ min: 0, max: 60 }) }).map((s) => ({ ...s, differing: Math.min(s.differing, s.compared) })),
    { nil: undefined },
  ),
  rewards: fc.option(
    fc
      .array(fc.record({ arm: fc.constantFrom('champion' as const, 'challenger' as const), reward: fc.double({ min: 0, max: 1, noNaN: true }), propensity: fc.double({ min: 0.05, max: 1, noNaN: true }) }), { maxLength: 200 })
      .map(rewardSumsOf),
    { nil: undefined },
  ),
});

const COMMANDS: RolloutCommandName[] = ['pause', 'resume', 'advance', 'promoteNow', 'abort', 'rollback'];
const inputArb: fc.Arbitrary<RolloutInput> = fc.oneof(
  fc.constantFrom(...COMMANDS).map((command): RolloutInput => ({ type: 'command', command, actorKeyId: 'key-op' })),
  metricsArb.map((metrics): RolloutInput => ({ type: 'analysis', metrics })),
  metricsArb.map((metrics): RolloutInput => ({ type: 'analysis', metrics })),
);
const stepsArb = fc.array(fc.tuple(inputArb, fc.integer({ min: 0, max: 30 * HOUR })), { maxLength: 30 });
const toolsArb = fc.constantFrom({ champion: 'a', challenger: 'a' }, { champion: 'a', challenger: 'b' });

const changed = (a: RolloutState, b: RolloutState) =>
  a.phase !== b.phase || a.weights.challenger !== b.weights.challenger || a.weights.champion !== b.weights.champion;

function checkInvariants(state: RolloutState): void {
  expect(Math.abs(state.weights.champion + state.weights.challenger - 1)).toBeLessThan(1e-12);
  expect(state.weights.challenger).toBeGreaterThanOrEqual(0);
  expect(state.weights.challenger).toBeLessThanOrEqual(1);
  expect(state.phase === 'PAUSED').toBe(state.pausedFromPhase !== null);
  expect(isTerminal(state.phase)).toBe(state.finishedAt !== null);
  if (state.phase === 'ROLLED_BACK' || state.phase === 'ABORTED') expect(state.weights.challenger).toBe(0);
  if (state.phase === 'PROMOTED') expect(state.weights.challenger).toBe(1);
}

/** Runs the steps, checking every transition; returns the final state, its clock and the phases seen. */
function run(state: RolloutState, steps: Array<[RolloutInput, number]>) {
  let now = T0;
  const seen = new Set<RolloutPhase>([state.phase]);
  for (const [input, dt] of steps) {
    now += dt;
    const before = state;
    let result;
    try {
      result = transition(before, input, now);
    } catch (error) {
      // A refusal is only ever for a command the phase does not allow, and it changes nothing.
      expect(error).toBeInstanceOf(RolloutCommandRefused);
      const refusal = error as RolloutCommandRefused;
      expect(input.type).toBe('command');
      expect(
        isTerminal(before.phase) ||
          (refusal.command === 'pause' && before.phase === 'PAUSED') ||
          (refusal.command === 'resume' && before.phase !== 'PAUSED'),
      ).toBe(true);
      continue;
    }
    state = result.state;
    checkInvariants(state);
    seen.add(state.phase);
    if (isTerminal(before.phase)) {
      // Terminal phases are final: analysis ignores them (commands were refused above).
      expect(state).toBe(before);
      expect(result.events).toEqual([]);
    }
    // One event per change, describing exactly the change; none without one.
    if (changed(before, state)) {
      expect(result.events).toHaveLength(1);
      expect(result.events[0]).toMatchObject({ at: now, fromPhase: before.phase, toPhase: state.phase, weights: state.weights });
    } else {
      expect(result.events).toEqual([]);
    }
    if (input.type === 'command' && (input.command === 'rollback' || input.command === 'abort')) {
      expect(state.weights.challenger).toBe(0);
    }
  }
  return { state, now, seen };
}

describe('rollout state machine properties', () => {
  it('keeps weights summing to 1, emits one consistent event per change, and never moves a terminal rollout', () => {
    const seen = new Set<RolloutPhase>();
    fc.assert(
      fc.property(configArb, toolsArb, stepsArb, (config, toolsHash, steps) => {
        const { state } = startRollout({ config, toolsHash }, T0);
        checkInvariants(state);
        for (const phase of run(state, steps).seen) seen.add(phase);
      }),
      { numRuns: 400, seed: 6 },
    );
    // Every phase is reachable: the random runs visited all nine.
    expect([...seen].sort()).toEqual([...ROLLOUT_PHASES].sort());
  });

  it('leaves every non-terminal phase by its maximum duration, and ends within a bounded number of ticks', () => {
    fc.assert(
      fc.property(configArb, toolsArb, stepsArb, (config, toolsHash, steps) => {
        let { state, now } = run(startRollout({ config, toolsHash }, T0).state, steps);
        // Ladder (5 rungs) plus a possible PAUSED → resume: never more than 7 timeouts to an end.
        for (let timeouts = 0; timeouts < 7 && !isTerminal(state.phase); timeouts++) {
          now = Math.max(now, state.phaseStartedAt + maxDurationOf(state.config, state.phase === 'PAUSED' ? 'PAUSED' : state.phase));
          const next = transition(state, { type: 'analysis', metrics: NO_METRICS }, now).state;
          expect(next.phase).not.toBe(state.phase);
          checkInvariants(next);
          state = next;
        }
        expect(isTerminal(state.phase)).toBe(true);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('rollback from any reachable non-terminal state leaves the challenger at 0 at once', () => {
    fc.assert(
      fc.property(configArb, toolsArb, stepsArb, (config, toolsHash, steps) => {
        const { state, now } = run(startRollout({ config, toolsHash }, T0).state, steps);
        fc.pre(!isTerminal(state.phase));
        const after = transition(state, { type: 'command', command: 'rollback' }, now);
        expect(after.state).toMatchObject({ phase: 'ROLLED_BACK', weights: { challenger: 0, champion: 1 } });
        expect(after.events).toHaveLength(1);
      }),
      { numRuns: 200, seed: 8 },
    );
  });
});
