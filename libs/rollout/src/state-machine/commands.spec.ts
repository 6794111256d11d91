import { HOUR, T0, inLadderPhase, inPhase } from '../../test/rollouts.js';
import { RolloutCommandRefused, type RolloutCommandName } from '../errors.js';
import { LADDER, type RolloutPhase } from '../phases.js';
import { CHALLENGER_ONLY, CHAMPION_ONLY } from '../weights.js';
import { transition } from './transition.js';

const command = (name: RolloutCommandName, extra: { actorKeyId?: string; reason?: string } = {}) =>
  ({ type: 'command', command: name, ...extra }) as const;

const NON_TERMINAL: RolloutPhase[] = [...LADDER, 'PAUSED'];
const TERMINAL: RolloutPhase[] = ['PROMOTED', 'ROLLED_BACK', 'ABORTED'];
const COMMANDS: RolloutCommandName[] = ['pause', 'resume', 'advance', 'promoteNow', 'abort', 'rollback'];

describe('operator commands', () => {
  describe.each(NON_TERMINAL)('from %s', (phase) => {
    const state = inPhase(phase);
    const later = T0 + HOUR;

    it('rollback ends in ROLLED_BACK with the challenger at 0 at once', () => {
      const { state: after, events } = transition(state, command('rollback', { actorKeyId: 'key-1' }), later);
      expect(after).toMatchObject({ phase: 'ROLLED_BACK', weights: CHAMPION_ONLY, finishedAt: later, pausedFromPhase: null });
      expect(events).toEqual([
        {
          at: later,
          kind: 'ROLLED_BACK',
          fromPhase: phase,
          toPhase: 'ROLLED_BACK',
          weights: CHAMPION_ONLY,
          reason: 'operator rolled back',
          metrics: null,
          actorType: 'USER',
          actorKeyId: 'key-1',
        },
      ]);
    });

    it('abort ends in ABORTED with the challenger at 0', () => {
      const { state: after, events } = transition(state, command('abort', { reason: 'wrong version picked' }), later);
      expect(after).toMatchObject({ phase: 'ABORTED', weights: CHAMPION_ONLY, finishedAt: later });
      expect(events[0]).toMatchObject({ kind: 'ABORTED', reason: 'wrong version picked', actorKeyId: null });
    });

    it('promoteNow ends in PROMOTED with the challenger at 1', () => {
      const { state: after, events } = transition(state, command('promoteNow'), later);
      expect(after).toMatchObject({ phase: 'PROMOTED', weights: CHALLENGER_ONLY, finishedAt: later });
      expect(events[0]).toMatchObject({ kind: 'PROMOTED', fromPhase: phase, toPhase: 'PROMOTED' });
    });
  });

  describe.each(LADDER)('from %s', (phase) => {
    it('pause keeps the weights and remembers the phase; resume returns to it', () => {
      const state = inLadderPhase(phase);
      const paused = transition(state, command('pause'), T0 + HOUR);
      expect(paused.state).toMatchObject({ phase: 'PAUSED', pausedFromPhase: phase, weights: state.weights, phaseStartedAt: T0 + HOUR });
      expect(paused.events[0]).toMatchObject({ kind: 'PAUSED', fromPhase: phase, toPhase: 'PAUSED', weights: state.weights });
      const resumed = transition(paused.state, command('resume'), T0 + 2 * HOUR);
      expect(resumed.state).toMatchObject({
        phase,
        pausedFromPhase: null,
        weights: state.weights,
        canaryStep: state.canaryStep,
        phaseStartedAt: T0 + 2 * HOUR,
        stepStartedAt: T0 + 2 * HOUR,
      });
      expect(resumed.events[0]).toMatchObject({ kind: 'RESUMED', fromPhase: 'PAUSED', toPhase: phase });
    });

    it('resume is refused when not paused', () => {
      expect(() => transition(inLadderPhase(phase), command('resume'), T0)).toThrow(
        expect.objectContaining({ code: 'NOT_PAUSED', command: 'resume', phase }),
      );
    });
  });

  it('pause is refused when already paused', () => {
    expect(() => transition(inPhase('PAUSED'), command('pause'), T0)).toThrow(
      expect.objectContaining({ code: 'ALREADY_PAUSED', message: 'cannot pause: the rollout is already PAUSED' }),
    );
  });

  it('advance climbs the ladder one rung at a time, with each rung’s entry weights', () => {
    let state = inPhase('PILOT');
    const seen: Array<[RolloutPhase, number]> = [[state.phase, state.weights.challenger]];
    while (state.phase !== 'PROMOTED') {
      state = transition(state, command('advance'), T0).state;
      seen.push([state.phase, state.weights.challenger]);
    }
    expect(seen).toEqual([
      ['PILOT', 0],
      ['SHADOW', 0],
      ['CANARY', 0.01],
      ['BANDIT', 0.5],
      ['DECISION', 0.5],
      ['PROMOTED', 1],
    ]);
  });

  it('advance skips disabled phases', () => {
    const state = inLadderPhase('PILOT', { shadow: { enabled: false }, bandit: { enabled: false } });
    const canary = transition(state, command('advance'), T0).state;
    expect(canary.phase).toBe('CANARY');
    expect(transition(canary, command('advance'), T0).state.phase).toBe('DECISION');
  });

  it('advance while PAUSED moves past the paused phase and clears the pause', () => {
    const { state, events } = transition(inPhase('PAUSED'), command('advance'), T0 + HOUR);
    expect(state).toMatchObject({ phase: 'BANDIT', pausedFromPhase: null, weights: { challenger: 0.5 } });
    expect(events[0]).toMatchObject({ kind: 'ADVANCED', fromPhase: 'PAUSED', toPhase: 'BANDIT' });
  });

  describe.each(TERMINAL)('on a rollout that ended in %s', (phase) => {
    it.each(COMMANDS)('%s is refused with TERMINAL_PHASE', (name) => {
      const state = inPhase(phase);
      let refusal: unknown;
      try {
        transition(state, command(name), T0 + HOUR);
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(RolloutCommandRefused);
      expect(refusal).toMatchObject({ code: 'TERMINAL_PHASE', command: name, phase });
      expect((refusal as Error).message).toMatch(/start a new rollout/);
    });
  });
});
