import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether a Postgres runs on `dataDir`: its postmaster.pid names a live process. */
export function postgresRunning(dataDir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return false; // no pid file: not running (or not a data dir)
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's (Postgres runs as "postgres" when we are root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
