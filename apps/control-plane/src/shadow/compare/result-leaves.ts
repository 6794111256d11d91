// A tool call's answer as a flat map of JSON paths to leaf values, so two answers can be compared
// path by path and the paths that are noise (ids, timestamps) can be named and remembered.
import { canonicalJson } from '../../gateway/arguments-hmac.js';

/** Path (JSON-pointer-like: `/result/content/0/text`) → the leaf's canonical JSON. */
export type ResultLeaves = ReadonlyMap<string, string>;

/**
 * Beyond this many leaves the rest of an answer is compared as one leaf (`/~rest`): a large
 * answer still compares (any change in the rest is a diff), it only names the place less precisely.
 */
export const MAX_LEAVES = 5_000;
/** A string that holds JSON (a text content block carrying a JSON document) is compared inside. */
const JSON_IN_STRING = '{json}';

/**
 * Flattens an answer: objects and arrays into paths, leaves as canonical JSON. Strings that are
 * JSON objects or arrays (tools often put JSON in a text block) are descended into, so an id
 * inside them is its own path rather than making the whole text noise.
 */
export function resultLeaves(answer: unknown): ResultLeaves {
  const leaves = new Map<string, string>();
  const rest: Array<[string, unknown]> = [];
  const visit = (value: unknown, path: string): void => {
    if (leaves.size >= MAX_LEAVES) {
      rest.push([path, value]);
      return;
    }
    if (typeof value === 'string') {
      const parsed = jsonInside(value);
      if (parsed !== undefined) return visit(parsed, `${path}${JSON_IN_STRING}`);
      leaves.set(path, JSON.stringify(value));
      return;
    }
    if (value === null || typeof value !== 'object') {
      leaves.set(path, value === undefined ? 'null' : JSON.stringify(value));
      return;
    }
    const entries = Array.isArray(value) ? value.map((item, i) => [String(i), item] as const) : Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) leaves.set(path, Array.isArray(value) ? '[]' : '{}');
    for (const [key, item] of entries) if (item !== undefined) visit(item, `${path}/${escapeSegment(key)}`);
  };
  visit(answer, '');
  if (rest.length > 0) leaves.set('/~rest', canonicalJson(rest));
  return leaves;
}

/** The path with array indices replaced by `*`: noise learned on one item applies to every item. */
export function generalPath(path: string): string {
  return path.replace(/\/\d+(?=\/|\{|$)/g, '/*');
}

function escapeSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function jsonInside(text: string): unknown {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
