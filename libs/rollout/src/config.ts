// Gate configuration of a rollout (stored in Rollout.gateConfig). Every field has a default, so `{}`
// is a complete configuration; unknown keys are errors so a typo never silently means "default".
import { z } from 'zod';
import { RolloutConfigError } from './errors.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const durationMs = z.number().int().positive();
const count = z.number().int().nonnegative();
const share = z.number().min(0).max(1);
const probability = z.number().gt(0).lt(1);

/** What happens when a phase reaches its maximum duration without a verdict. */
const phaseTimeoutOutcome = z.enum(['rollback', 'abort', 'advance']);
export type PhaseTimeoutOutcome = z.infer<typeof phaseTimeoutOutcome>;
const pausedTimeoutOutcome = z.enum(['rollback', 'abort', 'resume']);
export type PausedTimeoutOutcome = z.infer<typeof pausedTimeoutOutcome>;

const pilot = z.strictObject({
  maxDurationMs: durationMs.default(7 * DAY),
  onMaxDuration: phaseTimeoutOutcome.default('rollback'),
});

const shadow = z.strictObject({
  /** Off for servers with no tool on the shadow allow-list: PILOT then goes straight to CANARY. */
  enabled: z.boolean().default(true),
  minComparisons: count.default(200),
  minDurationMs: durationMs.default(10 * MINUTE),
  /** Share of mirrored calls whose response differs beyond the learned noise. */
  maxDiffRate: share.default(0.05),
  maxDurationMs: durationMs.default(DAY),
  onMaxDuration: phaseTimeoutOutcome.default('rollback'),
});

const canary = z
  .strictObject({
    /** Challenger shares, one per step, strictly increasing. */
    steps: z.array(z.number().gt(0).lt(1)).min(1).default([0.01, 0.05, 0.25, 0.5]),
    /** Challenger calls needed in a step before it may step up. */
    minCallsPerStep: count.default(100),
    minStepDurationMs: durationMs.default(5 * MINUTE),
    maxDurationMs: durationMs.default(DAY),
    onMaxDuration: phaseTimeoutOutcome.default('rollback'),
  })
  .superRefine((c, ctx) => {
    c.steps.forEach((step, i) => {
      const previous = c.steps[i - 1];
      if (previous !== undefined && step <= previous) {
        ctx.addIssue({ code: 'custom', path: ['steps', i], message: `must be greater than the step before (${previous})` });
      }
    });
  });

const bandit = z.strictObject({
  /** Off: the last canary step's split is kept and DECISION follows CANARY. */
  enabled: z.boolean().default(true),
  /** The split the router's bandit starts from; it then allocates per call and records propensities. */
  initialChallengerShare: z.number().gt(0).lt(1).default(0.5),
  minCalls: count.default(1000),
  minDurationMs: durationMs.default(30 * MINUTE),
  maxDurationMs: durationMs.default(2 * DAY),
  onMaxDuration: phaseTimeoutOutcome.default('rollback'),
});

const decision = z.strictObject({
  /** The fixed split held while the decision is being made. */
  challengerShare: z.number().gt(0).lt(1).default(0.5),
  /** Reward records (from BANDIT and DECISION) needed before a verdict. */
  minRecords: count.default(1000),
  minDurationMs: durationMs.default(10 * MINUTE),
  /** Promote when the challenger's mean reward is at most this much below the champion's, surely. */
  nonInferiorityMargin: z.number().min(0).max(1).default(0.02),
  estimator: z.enum(['self-normalized', 'horvitz-thompson']).default('self-normalized'),
  alpha: probability.default(0.05),
  /** Standard deviation of the normal mixture over reward differences (the effect size we expect). */
  mixtureStdDev: z.number().positive().default(0.05),
  maxDurationMs: durationMs.default(DAY),
  /** `advance` promotes. */
  onMaxDuration: phaseTimeoutOutcome.default('rollback'),
});

const paused = z.strictObject({
  maxDurationMs: durationMs.default(DAY),
  onMaxDuration: pausedTimeoutOutcome.default('rollback'),
});

const errorRate = z.strictObject({
  /** Probability of a false breach, per phase (per canary step), under repeated looks. */
  alpha: probability.default(0.05),
  /** Absolute error-rate increase over the champion that is tolerated (0.01 = one point). */
  maxIncrease: z.number().min(0).lt(1).default(0),
  /** Standard deviation of the normal mixture over error-rate differences. */
  mixtureStdDev: z.number().positive().default(0.05),
  /** Calls per arm in a nodepool before that nodepool is compared at all. */
  minCallsPerNodepool: count.default(20),
});

const latency = z.strictObject({
  /** Breach when challenger p95 > champion p95 × (1 + p95Tolerance) + p95SlackMs. */
  p95Tolerance: z.number().min(0).default(0.2),
  /** Absolute slack so a 3 ms vs 4 ms p95 is not a 33% regression. */
  p95SlackMs: z.number().min(0).default(10),
  minSamplesPerNodepool: count.default(50),
});

export const rolloutConfigSchema = z
  .strictObject({
    pilot: pilot.prefault({}),
    shadow: shadow.prefault({}),
    canary: canary.prefault({}),
    bandit: bandit.prefault({}),
    decision: decision.prefault({}),
    paused: paused.prefault({}),
    errorRate: errorRate.prefault({}),
    latency: latency.prefault({}),
    /** `block`: a changed tool definition needs an operator `advance` before traffic reaches it. */
    toolsHashChange: z.enum(['show', 'block']).default('show'),
  })
  .superRefine((c, ctx) => {
    const phases = [
      ['shadow', c.shadow.minDurationMs, c.shadow.maxDurationMs],
      ['canary', c.canary.minStepDurationMs * c.canary.steps.length, c.canary.maxDurationMs],
      ['bandit', c.bandit.minDurationMs, c.bandit.maxDurationMs],
      ['decision', c.decision.minDurationMs, c.decision.maxDurationMs],
    ] as const;
    for (const [phase, minimum, maximum] of phases) {
      if (minimum >= maximum) {
        ctx.addIssue({
          code: 'custom',
          path: [phase, 'maxDurationMs'],
          message: `must exceed the phase's minimum duration (${minimum} ms), or the phase could never pass`,
        });
      }
    }
  });

export type RolloutConfig = z.infer<typeof rolloutConfigSchema>;
export type RolloutConfigInput = z.input<typeof rolloutConfigSchema>;

/** Validates a gate configuration and fills in defaults; throws RolloutConfigError listing every problem. */
export function parseRolloutConfig(input: unknown): RolloutConfig {
  const result = rolloutConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new RolloutConfigError(
    result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`),
  );
}
