// The verdict of one gate, and how verdicts combine: any breach rolls back, otherwise every gate
// must pass for the rollout to move on, otherwise it waits for more data.

export type GateVerdict = 'pass' | 'wait' | 'breach';

export interface GateResult {
  readonly gate: 'sample' | 'errorRate' | 'latency' | 'shadowDiff' | 'toolsHash' | 'decision';
  readonly verdict: GateVerdict;
  /** One sentence an operator can read in the event history. */
  readonly reason: string;
  readonly nodepoolId?: string;
  /** The numbers the verdict rests on; they go into the event's metrics snapshot as they are. */
  readonly details: Readonly<Record<string, unknown>>;
}

export function combineVerdicts(results: readonly GateResult[]): GateVerdict {
  if (results.some((r) => r.verdict === 'breach')) return 'breach';
  if (results.every((r) => r.verdict === 'pass')) return 'pass';
  return 'wait';
}
