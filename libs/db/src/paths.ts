// Where schema.prisma and the migrations live. Found relative to this package (src/ under jest,
// dist/ when built) rather than the working directory, so `npm run db:migrate` works from any
// folder; every API that uses them also takes an explicit override.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest ancestor of this module that holds `prisma/schema.prisma`. */
export function findRepoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'prisma', 'schema.prisma'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `could not find prisma/schema.prisma above ${from}; pass migrationsDir / schemaPath explicitly`,
      );
    }
    dir = parent;
  }
}

export function defaultMigrationsDir(): string {
  return join(findRepoRoot(), 'prisma', 'migrations');
}

export function defaultSchemaPath(): string {
  return join(findRepoRoot(), 'prisma', 'schema.prisma');
}

export interface MigrationFileEntry {
  /** Directory name, e.g. `20260101120000_init`; also the `migration_name` Prisma records. */
  name: string;
  /** Absolute path of its migration.sql. */
  path: string;
  sql: string;
  /** sha256 hex of the file's bytes: what Prisma stores in `_prisma_migrations.checksum`. */
  checksum: string;
}

/**
 * Migration directories in name order (= timestamp order). Directories without a migration.sql
 * are skipped like Prisma does; a missing migrations directory simply means "none yet".
 */
export async function readMigrations(migrationsDir: string): Promise<MigrationFileEntry[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const names = entries
    .filter((e) => e.isDirectory() && existsSync(join(migrationsDir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const path = join(migrationsDir, name, 'migration.sql');
      const bytes = await readFile(path);
      const checksum = createHash('sha256').update(bytes).digest('hex');
      return { name, path, sql: bytes.toString('utf8'), checksum };
    }),
  );
}
