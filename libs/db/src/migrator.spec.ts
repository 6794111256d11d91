import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { markRolledBack, migrate, MigrationError } from './migrator.js';
import { defaultMigrationsDir } from './paths.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

jest.setTimeout(60_000);

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const history = (url: string): Promise<MigrationRow[]> =>
  query<MigrationRow>(url, 'SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name');

const tableExists = async (url: string, table: string): Promise<boolean> =>
  (await query<{ found: boolean }>(url, `SELECT to_regclass('"${table}"') IS NOT NULL AS found`))[0]!.found;

/** A throwaway migrations directory: { "001_name": "sql", … }. */
async function migrationsDirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-migrations-'));
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

describe('migrate', () => {
  let db: TestDatabase;
  const dirs: string[] = [];

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await db.drop();
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("applies every committed migration once, recorded the way Prisma records them, and a second run applies nothing", async () => {
    const committed = (await readdir(defaultMigrationsDir(), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(committed.length).toBeGreaterThanOrEqual(2);

    const first = await migrate(db.url);
    expect(first.applied).toEqual(committed);
    expect(await tableExists(db.url, 'AdminEvent')).toBe(true);

    const rows = await history(db.url);
    expect(rows.map((r) => r.migration_name)).toEqual(committed);
    for (const row of rows) {
      const bytes = await readFile(join(defaultMigrationsDir(), row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }

    const second = await migrate(db.url);
    expect(second.applied).toEqual([]);
    expect(await history(db.url)).toHaveLength(committed.length);
  });

  it('serializes concurrent runs: both succeed and each migration is applied exactly once', async () => {
    // The first migration holds its transaction open for a moment, so without the lock the
    // second run would start applying it too (and fail on "relation already exists").
    const dir = await migrationsDirWith({
      '001_slow': 'CREATE TABLE "one" (id int); SELECT pg_sleep(0.4);',
      '002_next': 'CREATE TABLE "two" (id int);',
    });
    dirs.push(dir);
    const logs: string[][] = [[], []];

    const results = await Promise.all(
      [0, 1].map((i) => migrate(db.url, { migrationsDir: dir, log: (line) => logs[i]!.push(line) })),
    );

    expect(results.flatMap((r) => r.applied).sort()).toEqual(['001_slow', '002_next']);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 2]);
    expect(logs.flat()).toContain('waiting for another migrator to release the migration lock');
    const rows = await history(db.url);
    expect(rows.map((r) => r.migration_name)).toEqual(['001_slow', '002_next']);
  });

  it('rolls a failing migration back, records it as failed and refuses to go on until it is resolved', async () => {
    const dir = await migrationsDirWith({
      '001_ok': 'CREATE TABLE "one" (id int);',
      '002_broken': 'CREATE TABLE "half" (id int); SELECT 1/0;',
      '003_after': 'CREATE TABLE "three" (id int);',
    });
    dirs.push(dir);

    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toThrow(
      /migration 002_broken failed and was rolled back: division by zero/,
    );
    expect(await tableExists(db.url, 'one')).toBe(true);
    expect(await tableExists(db.url, 'half')).toBe(false); // its transaction was rolled back
    const failed = (await history(db.url)).find((r) => r.migration_name === '002_broken');
    expect(failed).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(failed?.logs).toContain('division by zero');

    // Even with the file fixed, an unresolved failed row blocks every later run.
    await writeFile(join(dir, '002_broken', 'migration.sql'), 'CREATE TABLE "half" (id int);');
    const blocked = await migrate(db.url, { migrationsDir: dir }).catch((error: unknown) => error);
    expect(blocked).toBeInstanceOf(MigrationError);
    expect((blocked as Error).message).toMatch(
      /migration 002_broken failed or was interrupted earlier; no further migrations are applied/,
    );
    expect(await tableExists(db.url, 'three')).toBe(false);

    expect(await markRolledBack(db.url, '002_broken')).toBe(true);
    expect(await markRolledBack(db.url, '002_broken')).toBe(false);
    const resumed = await migrate(db.url, { migrationsDir: dir });
    expect(resumed.applied).toEqual(['002_broken', '003_after']);
    expect(await tableExists(db.url, 'three')).toBe(true);
  });

  it('commits a migration and its history row together, or neither', async () => {
    // The script itself succeeds, but takes the history table away, so recording it as finished
    // fails: the table it created must be gone too.
    const dir = await migrationsDirWith({
      '001_sabotage': 'CREATE TABLE "one" (id int); ALTER TABLE "_prisma_migrations" RENAME TO "_elsewhere";',
    });
    dirs.push(dir);
    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toThrow(/migration 001_sabotage failed/);
    expect(await tableExists(db.url, 'one')).toBe(false);
    expect(await tableExists(db.url, '_elsewhere')).toBe(false);
    expect((await history(db.url)).map((r) => [r.migration_name, r.finished_at])).toEqual([['001_sabotage', null]]);
  });

  it('treats an unfinished row left by an interrupted run as failed', async () => {
    const dir = await migrationsDirWith({ '001_ok': 'CREATE TABLE "one" (id int);' });
    dirs.push(dir);
    await migrate(db.url, { migrationsDir: dir });
    await query(
      db.url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ('${randomUUID()}', 'x', '002_crashed')`,
    );
    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toThrow(/002_crashed failed or was interrupted/);
  });

  it('warns when an applied migration file was edited afterwards, and does not re-apply it', async () => {
    const dir = await migrationsDirWith({ '001_ok': 'CREATE TABLE "one" (id int);' });
    dirs.push(dir);
    await migrate(db.url, { migrationsDir: dir });
    await writeFile(join(dir, '001_ok', 'migration.sql'), 'CREATE TABLE "one" (id bigint);');

    const lines: string[] = [];
    const result = await migrate(db.url, { migrationsDir: dir, log: (line) => lines.push(line) });
    expect(result.applied).toEqual([]);
    expect(lines).toContain('warning: 001_ok/migration.sql was edited after it was applied (checksum differs)');
  });
});

describe('the migration lock', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("gives up with a clear error when another holder keeps Prisma's lock", async () => {
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(72707369)');
      await expect(migrate(db.url, { lockTimeoutMs: 300 })).rejects.toThrow(
        /timed out after 300 ms waiting for the migration lock/,
      );
    } finally {
      await holder.end();
    }
  });
});
