// Applies prisma/migrations/*/migration.sql with plain pg — what `prisma migrate deploy` does,
// without Prisma's native schema engine (it cannot be downloaded here). The bookkeeping is
// Prisma's own `_prisma_migrations` table, filled exactly as Prisma fills it, so a real
// `prisma migrate deploy/status` elsewhere sees a clean, up-to-date history.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { defaultMigrationsDir, readMigrations } from './paths.js';

/** Prisma Migrate's own advisory lock key: we also exclude a concurrent real Prisma deploy. */
export const MIGRATION_LOCK_ID = 72707369;

export interface MigrateOptions {
  /** Defaults to prisma/migrations of the repository that contains this package. */
  migrationsDir?: string;
  /** Progress and warnings, one line each. */
  log?: (line: string) => void;
  /** How long to wait for another migrator to finish (default two minutes). */
  lockTimeoutMs?: number;
}

export interface MigrateResult {
  /** Names of the migrations applied by this call, in order (empty when up to date). */
  applied: string[];
}

/** Thrown when the history needs a human: a failed migration, or an unreadable table. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

// Prisma's DDL for its bookkeeping table, verbatim.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface HistoryRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

/**
 * Applies every migration not yet recorded, in name order, each in its own transaction.
 *
 * Serialized across processes by a session-level advisory lock: a second caller waits, then finds
 * nothing left to do. A row that started but never finished (a failed or interrupted migration)
 * stops everything until someone resolves it; see `markRolledBack`.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => undefined);
  const migrations = await readMigrations(options.migrationsDir ?? defaultMigrationsDir());
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await acquireLock(client, options.lockTimeoutMs ?? 120_000, log);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const history = await readHistory(client);

      const unfinished = history.filter((row) => row.finished_at === null);
      if (unfinished.length > 0) {
        const names = unfinished.map((row) => row.migration_name).join(', ');
        throw new MigrationError(
          `migration ${names} failed or was interrupted earlier; no further migrations are applied. ` +
            `Its transaction was rolled back (unless it was interrupted outside one): check the ` +
            `database, fix the migration, mark it rolled back with ` +
            `\`npm run db:migrate -- --rolled-back ${unfinished[0]!.migration_name}\` and run migrate again.`,
        );
      }

      const applied = new Map(history.map((row) => [row.migration_name, row]));
      for (const m of migrations) {
        const row = applied.get(m.name);
        if (row && row.checksum !== m.checksum) {
          log(`warning: ${m.name}/migration.sql was edited after it was applied (checksum differs)`);
        }
      }
      const known = new Set(migrations.map((m) => m.name));
      for (const row of history) {
        if (!known.has(row.migration_name)) {
          log(`warning: ${row.migration_name} is recorded in the database but missing from the migrations directory`);
        }
      }

      const done: string[] = [];
      for (const m of migrations) {
        if (applied.has(m.name)) continue;
        await applyOne(client, m.name, m.checksum, m.sql);
        done.push(m.name);
        log(`applied ${m.name}`);
      }
      return { applied: done };
    } finally {
      // Closing the session releases the lock anyway; never let this mask the real error.
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

/**
 * Session-level lock, polled rather than blocking so a stuck holder turns into a clear error
 * instead of a hang, and so the caller can say why it is waiting.
 */
async function acquireLock(client: pg.Client, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      MIGRATION_LOCK_ID,
    ]);
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) {
      throw new MigrationError(`timed out after ${timeoutMs} ms waiting for the migration lock (${MIGRATION_LOCK_ID})`);
    }
    if (!told) {
      log('waiting for another migrator to release the migration lock');
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Rows that count: Prisma ignores rows marked rolled back. */
async function readHistory(client: pg.Client): Promise<HistoryRow[]> {
  const { rows } = await client.query<HistoryRow>(
    `SELECT id, migration_name, checksum, finished_at FROM "_prisma_migrations"
      WHERE rolled_back_at IS NULL ORDER BY started_at, migration_name`,
  );
  return rows;
}

/**
 * Like Prisma: the row is written (and committed) before the script runs, and finished only on
 * success, so a crash or failure leaves a visible unfinished row. Unlike Prisma, the script runs
 * in a transaction, so a failed migration leaves no half-applied schema behind.
 */
async function applyOne(client: pg.Client, name: string, checksum: string, sql: string): Promise<void> {
  const id = randomUUID();
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
     VALUES ($1, $2, $3, now(), 0)`,
    [id, checksum, name],
  );
  try {
    await client.query('BEGIN');
    await client.query(sql); // simple query protocol: the whole file, any number of statements
    await client.query(
      `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    // Prisma keeps the database error in `logs` of the unfinished row.
    await client
      .query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message])
      .catch(() => undefined);
    throw new MigrationError(`migration ${name} failed and was rolled back: ${message}`, { cause: error });
  }
}

/**
 * What `prisma migrate resolve --rolled-back <name>` does: after a failed migration was dealt
 * with, mark its unfinished row rolled back so the next `migrate` retries it.
 * Returns false when there was no such unfinished row.
 */
export async function markRolledBack(databaseUrl: string, migrationName: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await acquireLock(client, 120_000, () => undefined);
    const { rows } = await client.query<{ exists: boolean }>(
      `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS exists`,
    );
    if (!rows[0]?.exists) return false;
    const { rowCount } = await client.query(
      `UPDATE "_prisma_migrations" SET rolled_back_at = now()
        WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL`,
      [migrationName],
    );
    return (rowCount ?? 0) > 0;
  } finally {
    await client.end(); // also releases the advisory lock
  }
}
