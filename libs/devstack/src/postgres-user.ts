import { execFileSync, spawnSync } from 'node:child_process';

export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * Postgres refuses to run as root. As root we run it as the system user "postgres", creating
 * that user when it does not exist (fresh CI containers); as anyone else we run as ourselves.
 */
export function postgresRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = lookupUser('postgres');
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'postgres'], {
      stdio: 'pipe',
    });
  } catch (error) {
    throw new Error(`running as root, and could not create the system user "postgres" for Postgres: ${String(error)}`);
  }
  const created = lookupUser('postgres');
  if (!created) throw new Error('created the user "postgres" but cannot look it up');
  return created;
}

function lookupUser(name: string): RunAs | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether that user can reach `path` (every ancestor searchable) with the given access,
 * asked of the kernel itself so ACLs and group membership count.
 */
export function canAccess(runAs: RunAs | undefined, path: string, test: '-x' | '-r' | '-w'): boolean {
  if (!runAs) return true;
  const result = spawnSync('/bin/sh', ['-c', `test ${test} "$1"`, 'sh', path], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' });
  return result.status === 0;
}
