// Creating migrations and detecting drift with the wasm schema engine: the jobs of
// `prisma migrate dev --create-only` and `prisma migrate diff --exit-code`, which need the native
// engine. Both diff "what the migrations build" (replayed on a shadow database) against
// schema.prisma, so both need a live Postgres: given, or a temporary embedded one.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DiagnoseMigrationHistoryOutput, DiffTarget, MigrationList } from '@prisma/schema-engine-wasm';
import {
  defaultMigrationsDir,
  defaultSchemaPath,
  MIGRATION_LOCK_CONTENT,
  MIGRATION_LOCK_FILE,
  readMigrations,
} from './paths.js';
import { withSchemaEngine } from './schema-engine.js';
import { startTempPostgres } from './temp-postgres.js';

export interface SchemaToolOptions {
  /** Defaults to prisma/schema.prisma of the repository. */
  schemaPath?: string;
  /** Defaults to prisma/migrations of the repository. */
  migrationsDir?: string;
  /**
   * Postgres URL of a role with CREATEDB, used only for throwaway shadow databases. When absent a
   * temporary embedded Postgres is started and removed afterwards.
   */
  shadowUrl?: string;
  log?: (line: string) => void;
}

export interface SchemaDiff {
  /** True when schema.prisma differs from what the migrations produce. */
  changed: boolean;
  /** SQL that turns the migrations' result into schema.prisma (script), or a summary. */
  output: string;
}

const NO_FILTER = { externalTables: [], externalEnums: [] };

async function withShadowServer<T>(
  shadowUrl: string | undefined,
  log: (line: string) => void,
  work: (url: string) => Promise<T>,
): Promise<T> {
  if (shadowUrl) return work(shadowUrl);
  const server = await startTempPostgres();
  log(`started a temporary Postgres for the shadow database in ${server.dir}`);
  try {
    return await work(server.url);
  } finally {
    await server.stop();
  }
}

/** The migrations directory as the engine reads it, already loaded from disk. */
async function migrationList(migrationsDir: string): Promise<MigrationList> {
  const migrations = await readMigrations(migrationsDir);
  const lockPath = join(migrationsDir, MIGRATION_LOCK_FILE);
  // A migrations source without a lock file is refused; Prisma writes it with the first migration.
  const lockContent = existsSync(lockPath) ? await readFile(lockPath, 'utf8') : MIGRATION_LOCK_CONTENT;
  return {
    baseDir: migrationsDir,
    lockfile: { path: MIGRATION_LOCK_FILE, content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories: migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.sql } },
    })),
  };
}

/** The migrations directory as the engine's diff source; "empty" before the first migration. */
async function migrationsSource(migrationsDir: string): Promise<DiffTarget> {
  const list = await migrationList(migrationsDir);
  return list.migrationDirectories.length === 0 ? { tag: 'empty' } : { tag: 'migrations', ...list };
}

/**
 * Prisma's own verdict on a database's migration history (what `prisma migrate status` shows).
 * Used to prove that the plain migrator's bookkeeping is what Prisma expects.
 */
export async function diagnoseMigrationHistory(
  databaseUrl: string,
  options: { migrationsDir?: string } = {},
): Promise<DiagnoseMigrationHistoryOutput> {
  const migrationsList = await migrationList(options.migrationsDir ?? defaultMigrationsDir());
  return withSchemaEngine(databaseUrl, (engine) =>
    engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: NO_FILTER }),
  );
}

/** Diff from the migrations (replayed on a shadow database) to schema.prisma. */
export async function diffMigrationsToSchema(
  options: SchemaToolOptions & { script: boolean },
): Promise<SchemaDiff> {
  const schemaPath = options.schemaPath ?? defaultSchemaPath();
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir();
  const log = options.log ?? (() => undefined);
  const schema = await readFile(schemaPath, 'utf8');
  const from = await migrationsSource(migrationsDir);
  return withShadowServer(options.shadowUrl, log, (url) =>
    withSchemaEngine(url, async (engine) => {
      const result = await engine.diff({
        from,
        to: { tag: 'schemaDatamodel', files: [{ path: basename(schemaPath), content: schema }] },
        script: options.script,
        // With exitCode the engine answers 2 for a non-empty diff: no parsing of its output.
        exitCode: true,
        filters: NO_FILTER,
      });
      return { changed: result.exitCode === 2, output: result.stdout ?? '' };
    }),
  );
}

export interface DriftReport {
  drift: boolean;
  /** Human-readable list of the differences (empty when there is no drift). */
  summary: string;
}

/** Does schema.prisma describe anything the committed migrations do not create? */
export async function checkDrift(options: SchemaToolOptions = {}): Promise<DriftReport> {
  const diff = await diffMigrationsToSchema({ ...options, script: false });
  return { drift: diff.changed, summary: diff.changed ? diff.output.trim() : '' };
}

export const MIGRATION_NAME = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;

/** Prisma's folder prefix: the UTC time as yyyyMMddHHmmss. */
export function migrationTimestamp(now: Date): string {
  return now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export interface CreatedMigration {
  /** Folder name of the new migration, or null when the schema had no changes. */
  name: string | null;
  /** Path of the written migration.sql, or null. */
  path: string | null;
}

/**
 * Writes `<migrationsDir>/<yyyyMMddHHmmss>_<name>/migration.sql` with the SQL that brings the
 * migrations up to schema.prisma. Never writes an empty migration: an empty one would still be
 * applied and recorded. The folder is created only after the diff succeeded.
 */
export async function createMigration(
  options: SchemaToolOptions & { name: string; now?: Date },
): Promise<CreatedMigration> {
  if (!MIGRATION_NAME.test(options.name)) {
    throw new Error(`migration name must be snake_case ([a-z0-9] words joined by _), got "${options.name}"`);
  }
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir();
  const diff = await diffMigrationsToSchema({ ...options, migrationsDir, script: true });
  if (!diff.changed || diff.output.trim() === '') return { name: null, path: null };

  const name = `${migrationTimestamp(options.now ?? new Date())}_${options.name}`;
  const existing = await readMigrations(migrationsDir);
  const last = existing.at(-1)?.name;
  if (last !== undefined && name <= last) {
    throw new Error(`new migration ${name} would not sort after the latest one (${last}); check the clock`);
  }
  const dir = join(migrationsDir, name);
  await mkdir(dir, { recursive: true });
  const lockPath = join(migrationsDir, MIGRATION_LOCK_FILE);
  if (!existsSync(lockPath)) await writeFile(lockPath, MIGRATION_LOCK_CONTENT);
  const path = join(dir, 'migration.sql');
  await writeFile(path, diff.output.endsWith('\n') ? diff.output : `${diff.output}\n`, { flag: 'wx' });
  return { name, path };
}
