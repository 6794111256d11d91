import { DomainError } from '@switchyard/protocol';

export interface LabelPair {
  key: string;
  value: string;
}

/** Labels are stored as a JSON object; GraphQL shows them as typed key/value pairs. */
export function labelsToJson(labels: LabelPair[] | undefined, path = 'labels'): Record<string, string> | undefined {
  if (!labels) return undefined;
  const out: Record<string, string> = {};
  for (const [index, { key, value }] of labels.entries()) {
    if (key in out) throw DomainError.badInput([{ path: `${path}.${index}.key`, message: `duplicate label key "${key}"` }]);
    out[key] = value;
  }
  return out;
}

export function labelsFromJson(json: unknown): LabelPair[] {
  if (typeof json !== 'object' || json === null) return [];
  return Object.entries(json as Record<string, unknown>).map(([key, value]) => ({ key, value: String(value) }));
}
