// Noise learned from champion-vs-champion pairs: the same arguments sent twice to the champion,
// and every path whose value differed is noise for that (server, tool). `tokens`: only UUIDs,
// timestamps and the like differed, so the path is still compared with those masked; `value`: the
// value itself varies (a counter, a random pick), so the path is not compared at all.
import { generalPath, type ResultLeaves } from './result-leaves.js';
import { maskVolatile } from './volatile-tokens.js';

export type NoiseKind = 'tokens' | 'value';

/** General path (indices as `*`) → how it varies. */
export type Noise = ReadonlyMap<string, NoiseKind>;

/** The paths on which two answers of the champion to the same call differ, and how. */
export function learnNoise(first: ResultLeaves, second: ResultLeaves): Map<string, NoiseKind> {
  const learned = new Map<string, NoiseKind>();
  for (const path of new Set([...first.keys(), ...second.keys()])) {
    const a = first.get(path);
    const b = second.get(path);
    if (a === b) continue;
    const kind: NoiseKind = a !== undefined && b !== undefined && maskVolatile(a) === maskVolatile(b) ? 'tokens' : 'value';
    mergeInto(learned, generalPath(path), kind);
  }
  return learned;
}

/** Noise only grows: a path once seen varying in value stays ignored. */
export function mergeNoise(known: Noise, learned: Noise): Map<string, NoiseKind> {
  const merged = new Map(known);
  for (const [path, kind] of learned) mergeInto(merged, path, kind);
  return merged;
}

function mergeInto(noise: Map<string, NoiseKind>, path: string, kind: NoiseKind): void {
  if (noise.get(path) !== 'value') noise.set(path, kind);
}
