// The migrator (libs/db) keeps Prisma's own bookkeeping; Prisma's engine is the judge of that.
// Here, not in libs/db, because the engine is devstack's tooling and libs/db may not import it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { migrate } from '@switchyard/db';
import { createTestDatabase, type TestDatabase } from '@switchyard/db/testing';
import { diagnoseMigrationHistory } from './migration-tools.js';

jest.setTimeout(60_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  return db;
}

/** A throwaway migrations directory: { "001_name": "sql", … }. */
async function migrationsDirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

describe("the migrator's history, as Prisma's engine (diagnoseMigrationHistory) sees it", () => {
  it('is clean and up to date after migrating the committed migrations', async () => {
    const db = await emptyDatabase();
    await migrate(db.url);
    expect(await diagnoseMigrationHistory(db.url)).toEqual({
      history: null,
      failedMigrationNames: [],
      editedMigrationNames: [],
      hasMigrationsTable: true,
    });
  });

  it('shows a failed migration and an edited one the way the migrator recorded them', async () => {
    const db = await emptyDatabase();
    const migrationsDir = await migrationsDirWith({
      '001_ok': 'CREATE TABLE "one" (id int);',
      '002_broken': 'SELECT 1/0;',
    });
    await expect(migrate(db.url, { migrationsDir })).rejects.toThrow(/002_broken failed/);
    await writeFile(join(migrationsDir, '001_ok', 'migration.sql'), 'CREATE TABLE "one" (id bigint);');

    const diagnosis = await diagnoseMigrationHistory(db.url, { migrationsDir });
    expect(diagnosis).toMatchObject({
      failedMigrationNames: ['002_broken'],
      editedMigrationNames: ['001_ok'],
      hasMigrationsTable: true,
    });
  });
});
