import { createHmac } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted (recursively), no whitespace; arrays keep their order. Two
 * calls with the same arguments in a different key order get the same HMAC.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/**
 * What the audit log keeps of a tool call's arguments: HMAC-SHA256 (hex) of their canonical JSON,
 * keyed with SWITCHYARD_AUDIT_HMAC_KEY. Equal arguments can be matched across calls by someone
 * holding the key; the arguments themselves are never stored. Absent arguments count as `{}`.
 */
export function argumentsHmac(key: Buffer, args: unknown): string {
  return createHmac('sha256', key).update(canonicalJson(args ?? {}), 'utf8').digest('hex');
}
