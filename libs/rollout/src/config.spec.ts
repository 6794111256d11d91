import { RolloutConfigError } from './errors.js';
import { parseRolloutConfig } from './config.js';

function problemsOf(input: unknown): readonly string[] {
  try {
    parseRolloutConfig(input);
  } catch (error) {
    if (error instanceof RolloutConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('parseRolloutConfig', () => {
  it('fills every default from an empty object (and from null, as a fresh gateConfig column)', () => {
    const config = parseRolloutConfig({});
    expect(config.canary.steps).toEqual([0.01, 0.05, 0.25, 0.5]);
    expect(config.canary.onMaxDuration).toBe('rollback');
    expect(config.paused).toEqual({ maxDurationMs: 24 * 3600_000, onMaxDuration: 'rollback' });
    expect(config.errorRate).toMatchObject({ alpha: 0.05, maxIncrease: 0 });
    expect(config.toolsHashChange).toBe('show');
    expect(parseRolloutConfig(null)).toEqual(config);
  });

  it('keeps the defaults of a section when only one field of it is given', () => {
    const config = parseRolloutConfig({ canary: { steps: [0.1, 0.5] } });
    expect(config.canary).toMatchObject({ steps: [0.1, 0.5], minCallsPerStep: 100 });
  });

  it('names the path of every problem, one line each', () => {
    const problems = problemsOf({
      canary: { steps: [0.05, 0.01, 1.5] },
      errorRate: { alpha: 0 },
      decision: { estimator: 'naive' },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^canary\.steps\.2: /),
        expect.stringMatching(/^errorRate\.alpha: /),
        expect.stringMatching(/^decision\.estimator: /),
      ]),
    );
  });

  it('rejects steps that do not increase', () => {
    expect(problemsOf({ canary: { steps: [0.25, 0.05] } })).toEqual(['canary.steps.1: must be greater than the step before (0.25)']);
  });

  it('rejects unknown keys, so a typo never silently means "default"', () => {
    expect(problemsOf({ canary: { step: [0.5] } })).toEqual([expect.stringMatching(/^canary: .*step/)]);
  });

  it('rejects a maximum duration a phase could never pass within', () => {
    expect(problemsOf({ bandit: { minDurationMs: 3600_000, maxDurationMs: 60_000 } })).toEqual([
      expect.stringMatching(/^bandit\.maxDurationMs: must exceed the phase's minimum duration/),
    ]);
  });

  it('says which configuration was invalid in its message', () => {
    expect(() => parseRolloutConfig({ paused: { onMaxDuration: 'wait' } })).toThrow(/invalid rollout configuration:\n {2}paused\.onMaxDuration: /);
  });
});
