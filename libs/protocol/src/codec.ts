import type { z } from 'zod';
import { DomainError, ErrorCode, type FieldProblem } from './errors.js';
import { assertSupportedVersion } from './version.js';

const encoder = new TextEncoder();
// fatal: a message with broken UTF-8 is refused, not silently patched with U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true });

type Issue = z.core.$ZodIssue;

/**
 * Flattens zod issues to `path: message` problems. A union failure ("Invalid input") says nothing
 * useful, so it is replaced by the problems of the branch that came closest (fewest issues).
 */
function problemsOf(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): FieldProblem[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
      return problemsOf(closest, path);
    }
    return [{ path: path.length > 0 ? path.map(String).join('.') : '(message)', message: issue.message }];
  });
}

function protocolError(message: string, fields?: FieldProblem[]): DomainError {
  return new DomainError(ErrorCode.PROTOCOL_ERROR, message, fields ? { fields } : {});
}

function nameOf(schema: z.ZodType): string {
  return schema.description ?? 'message';
}

function validated<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = problemsOf(result.error.issues);
  throw protocolError(`invalid ${nameOf(schema)}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
}

/**
 * Validates a message that is already JSON (an HTTPS body): the protocol version first, so an old
 * runner is told to upgrade rather than shown the schema problems of a shape it never knew.
 */
export function parseMessage<S extends z.ZodType>(schema: S, json: unknown): z.output<S> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw protocolError(`invalid ${nameOf(schema)}: expected a JSON object`);
  }
  assertSupportedVersion((json as { v?: unknown }).v);
  return validated(schema, json);
}

/** Validates `value` (a sender must not emit what its peer will refuse) and serialises it as UTF-8 JSON. */
export function encode<S extends z.ZodType>(schema: S, value: z.input<S>): Uint8Array {
  return encoder.encode(JSON.stringify(validated(schema, value)));
}

/** The typed message in `bytes`, or a PROTOCOL_ERROR: bad UTF-8, not JSON, unsupported `v`, or the schema's problems. */
export function decode<S extends z.ZodType>(schema: S, bytes: Uint8Array): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    throw protocolError(`invalid ${nameOf(schema)}: not UTF-8 JSON (${bytes.byteLength} bytes)`);
  }
  return parseMessage(schema, json);
}
