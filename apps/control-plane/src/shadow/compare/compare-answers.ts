// Champion vs challenger: every path that differs, minus the learned noise, is a difference.
// Content text, structuredContent, isError and a JSON-RPC error in place of a result all count.
import type { Noise } from './noise.js';
import { generalPath, type ResultLeaves } from './result-leaves.js';
import { maskVolatile } from './volatile-tokens.js';

export interface PathDifference {
  path: string;
  /** Leaf values as canonical JSON, absent when the path exists on one side only. */
  champion?: string;
  challenger?: string;
}

export interface Comparison {
  differs: boolean;
  /** Every differing path, in path order. */
  differences: PathDifference[];
}

export function compareAnswers(champion: ResultLeaves, challenger: ResultLeaves, noise: Noise): Comparison {
  const differences: PathDifference[] = [];
  for (const path of [...new Set([...champion.keys(), ...challenger.keys()])].sort()) {
    const a = champion.get(path);
    const b = challenger.get(path);
    if (a === b) continue;
    const kind = noise.get(generalPath(path));
    if (kind === 'value') continue;
    if (kind === 'tokens' && a !== undefined && b !== undefined && maskVolatile(a) === maskVolatile(b)) continue;
    differences.push({ path, ...(a === undefined ? {} : { champion: a }), ...(b === undefined ? {} : { challenger: b }) });
  }
  return { differs: differences.length > 0, differences };
}
