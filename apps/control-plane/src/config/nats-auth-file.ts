import { readFileSync } from 'node:fs';
import { parseNatsAuthBundle, type BundleParseResult } from '@switchyard/nats-auth';

/** Reads SWITCHYARD_NATS_AUTH_FILE: the bundle, or one line per problem (never a value from it). */
export function readNatsAuthBundleFile(path: string): BundleParseResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { problems: [`cannot read ${path} (${code}); create it with: switchyard nats init --out <dir>`] };
  }
  const parsed = parseNatsAuthBundle(text);
  return parsed.problems ? { problems: parsed.problems.map((problem) => `${path}: ${problem}`) } : parsed;
}
