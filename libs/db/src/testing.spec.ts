import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { defaultMigrationsDir } from './paths.js';
import { createTestDatabase, TEST_PG_URL_VAR, type TestDatabase } from './testing.js';

jest.setTimeout(60_000);

async function rows<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const serverUrl = (): string => process.env[TEST_PG_URL_VAR]!;
const tables = (url: string): Promise<Array<{ table_name: string }>> =>
  rows(url, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
/** This worker's test databases that exist right now. */
const ours = async (): Promise<string[]> =>
  (await rows<{ datname: string }>(serverUrl(), 'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname', [`sy_test_${process.pid}_`])).map(
    (r) => r.datname,
  );

const created: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(created.splice(0).map((db) => db.drop()));
});
const track = (db: TestDatabase): TestDatabase => (created.push(db), db);

describe('createTestDatabase', () => {
  it('creates uniquely named, empty databases on the shared server', async () => {
    const [a, b] = (await Promise.all([createTestDatabase(), createTestDatabase()])).map(track);
    expect(a!.name).not.toBe(b!.name);
    const server = new URL(serverUrl());
    const url = new URL(a!.url);
    expect([url.host, url.username, url.pathname]).toEqual([server.host, server.username, `/${a!.name}`]);
    expect(await tables(a!.url)).toEqual([]);
    expect(await ours()).toEqual(expect.arrayContaining([a!.name, b!.name]));
  });

  it('drop() removes the database even while a client is still connected, and may be called again', async () => {
    const db = await createTestDatabase();
    const straggler = new pg.Client({ connectionString: db.url });
    straggler.on('error', () => undefined); // the forced drop terminates its session
    await straggler.connect();
    await db.drop();
    await db.drop();
    expect(await ours()).not.toContain(db.name);
    await straggler.end().catch(() => undefined);
  });

  it('migrate: applies every committed migration', async () => {
    const db = track(await createTestDatabase({ migrate: true }));
    const committed = (await readdir(defaultMigrationsDir(), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    const applied = await rows<{ migration_name: string }>(
      db.url,
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
    );
    expect(applied.map((r) => r.migration_name)).toEqual(committed);
    expect(await tables(db.url)).toContainEqual({ table_name: 'AdminEvent' });
  });

  it('template: copies the given database, and the copy is independent of it', async () => {
    const source = track(await createTestDatabase());
    await rows(source.url, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('from the template')`);
    const copy = track(await createTestDatabase({ template: source.name }));
    expect(await rows(copy.url, 'SELECT v FROM kept')).toEqual([{ v: 'from the template' }]);
    await rows(copy.url, `INSERT INTO kept VALUES ('only in the copy')`);
    expect(await rows(source.url, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 1 }]);
  });

  it('drops the new database again when migrating it fails', async () => {
    // A template whose table clashes with the first migration makes migrate() fail.
    const clash = track(await createTestDatabase());
    await rows(clash.url, 'CREATE TABLE "Nodepool" (id int)');
    const before = await ours();
    await expect(createTestDatabase({ template: clash.name, migrate: true })).rejects.toThrow(/"Nodepool" already exists/);
    expect(await ours()).toEqual(before);
  });

  it('says how to get a server when SWITCHYARD_TEST_PG_URL is missing', async () => {
    const saved = process.env[TEST_PG_URL_VAR];
    delete process.env[TEST_PG_URL_VAR];
    try {
      await expect(createTestDatabase()).rejects.toThrow(
        'SWITCHYARD_TEST_PG_URL is not set: run specs through "npm test" or "npm run test:jest"',
      );
    } finally {
      process.env[TEST_PG_URL_VAR] = saved;
    }
  });
});
