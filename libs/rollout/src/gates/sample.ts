// Minimum sample gate: a phase (or canary step) moves on only after enough calls and enough time,
// so a quiet hour or a burst of calls in one minute is not taken for evidence.
import type { GateResult } from './gate-result.js';

export interface SampleRequirement {
  /** What is being counted, for the reason text ("challenger calls", "reward records"). */
  readonly counting: string;
  readonly have: number;
  readonly need: number;
  readonly elapsedMs: number;
  readonly minDurationMs: number;
}

export function sampleGate({ counting, have, need, elapsedMs, minDurationMs }: SampleRequirement): GateResult {
  const enough = have >= need && elapsedMs >= minDurationMs;
  return {
    gate: 'sample',
    verdict: enough ? 'pass' : 'wait',
    reason: enough
      ? `${have} ${counting} over ${Math.round(elapsedMs / 1000)} s: enough`
      : `${have} of ${need} ${counting}, ${Math.round(elapsedMs / 1000)} of ${Math.round(minDurationMs / 1000)} s`,
    details: { counting, have, need, elapsedMs, minDurationMs },
  };
}
