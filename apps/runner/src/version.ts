import { readFileSync } from 'node:fs';

/**
 * The runner's software version, from its package.json (next to both `src/` and `dist/`).
 * Reported at enrollment and in every heartbeat; "unknown" rather than a crash when the file is
 * not where a repackaged build expects it.
 */
export function runnerSoftwareVersion(): string {
  try {
    const json = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof json.version === 'string' && json.version !== '' ? json.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
