import { readFileSync, writeFileSync } from 'node:fs';
import { parseNatsAuthBundle, type NatsAuthBundle } from '@switchyard/nats-auth';

/** Writes `nats-auth.json` readable by its owner only: it holds signing seeds and creds. */
export function writeNatsAuthFile(file: string, bundle: NatsAuthBundle): void {
  // 'wx': never replace an existing bundle (its accounts are what the resolver dir and Postgres know).
  writeFileSync(file, `${JSON.stringify(bundle, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

/** Reads and checks a bundle; the error names the file and every problem (never a value). */
export function readNatsAuthFile(file: string): NatsAuthBundle {
  const parsed = parseNatsAuthBundle(readFileSync(file, 'utf8'));
  if (parsed.problems) throw new Error(`${file} is not a usable NATS auth bundle:\n  ${parsed.problems.join('\n  ')}`);
  return parsed.bundle;
}
