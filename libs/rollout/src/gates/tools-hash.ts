// A challenger whose tool definitions differ from the champion's (toolsHash) changes what clients
// see, not just how well calls go. The change is always shown (every snapshot carries it); with
// `toolsHashChange: block` automatic analysis will not send traffic to it: an operator `advance`
// out of PILOT or SHADOW acknowledges the change.
import type { RolloutConfig } from '../config.js';
import type { LadderPhase } from '../phases.js';
import type { GateResult } from './gate-result.js';

export interface ToolsHashes {
  readonly champion: string;
  readonly challenger: string;
}

const BEFORE_TRAFFIC: ReadonlySet<LadderPhase> = new Set(['PILOT', 'SHADOW']);

export function toolsHashGate(hashes: ToolsHashes, mode: RolloutConfig['toolsHashChange'], phase: LadderPhase): GateResult {
  const changed = hashes.champion !== hashes.challenger;
  const blocks = changed && mode === 'block' && BEFORE_TRAFFIC.has(phase);
  return {
    gate: 'toolsHash',
    verdict: blocks ? 'wait' : 'pass',
    reason: !changed
      ? 'tool definitions unchanged'
      : blocks
        ? 'tool definitions changed: an operator must advance before the challenger gets traffic'
        : 'tool definitions changed',
    details: { changed, mode, champion: hashes.champion, challenger: hashes.challenger },
  };
}
