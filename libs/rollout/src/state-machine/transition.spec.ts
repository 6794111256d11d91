import { healthy } from '../../test/metrics.js';
import { HOUR, MINUTE, T0, inLadderPhase, inPhase } from '../../test/rollouts.js';
import { RolloutCommandRefused, type RolloutCommandName } from '../errors.js';
import { COMMAND_PRECEDENCE, applyPending } from './transition.js';

const cmd = (command: RolloutCommandName) => ({ type: 'command', command }) as const;

describe('applyPending: precedence among commands that arrive together', () => {
  it('orders commands safety first', () => {
    expect(COMMAND_PRECEDENCE).toEqual(['rollback', 'abort', 'pause', 'resume', 'promoteNow', 'advance']);
  });

  it.each([
    [['promoteNow', 'rollback'], 'rollback', 'ROLLED_BACK'],
    [['advance', 'abort', 'promoteNow'], 'abort', 'ABORTED'],
    [['advance', 'pause'], 'pause', 'PAUSED'],
    [['advance', 'promoteNow'], 'promoteNow', 'PROMOTED'],
  ] as const)('%j: %s wins', (commands, winner, phase) => {
    const result = applyPending(inLadderPhase('CANARY'), { commands: commands.map(cmd) }, T0 + MINUTE);
    expect(result.applied?.command).toBe(winner);
    expect(result.state.phase).toBe(phase);
    expect(result.events).toHaveLength(1);
    // The rest are reported, strongest first.
    expect(result.notApplied.map((n) => [n.command.command, n.why])).toEqual(
      COMMAND_PRECEDENCE.filter((c) => c !== winner && (commands as readonly string[]).includes(c)).map((c) => [c, 'SUPERSEDED']),
    );
  });

  it('runs the analysis tick after the command, on the state the command left', () => {
    // Healthy enough to step the canary, but the operator paused first: analysis only watches.
    const result = applyPending(inLadderPhase('CANARY'), { commands: [cmd('pause')], analysis: { type: 'analysis', metrics: healthy(500) } }, T0 + HOUR);
    expect(result.state.phase).toBe('PAUSED');
    expect(result.events.map((e) => e.kind)).toEqual(['PAUSED']);
    expect(result.assessment?.verdict).toBe('pass');
  });

  it('reports a refused command instead of throwing, and still runs the analysis', () => {
    const state = inPhase('ROLLED_BACK');
    const result = applyPending(state, { commands: [cmd('resume')], analysis: { type: 'analysis', metrics: healthy(500) } }, T0 + HOUR);
    expect(result.state).toBe(state);
    expect(result.applied).toBeNull();
    expect(result.notApplied[0]?.why).toBeInstanceOf(RolloutCommandRefused);
    expect(result.notApplied[0]?.why).toMatchObject({ code: 'TERMINAL_PHASE' });
  });

  it('with no commands is an analysis tick', () => {
    const result = applyPending(inLadderPhase('CANARY'), { commands: [], analysis: { type: 'analysis', metrics: healthy(500) } }, T0 + HOUR);
    expect(result.events.map((e) => e.kind)).toEqual(['WEIGHT_STEP']);
    expect(result.applied).toBeNull();
    expect(result.notApplied).toEqual([]);
  });
});
