import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { defaultMigrationsDir, defaultSchemaPath } from '@switchyard/db';
import { checkDrift, createMigration, migrationTimestamp } from './migration-tools.js';
import { SHADOW_DATABASE_PREFIX } from './pg-engine-adapter.js';
import { testEnv } from '../testing.js';

jest.setTimeout(60_000);

// The shared test server stands in for a SWITCHYARD_SHADOW_PG_URL.
const server = { url: testEnv().pgUrl };
let work: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'switchyard-schema-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** schema.prisma with one more optional column on Secret. */
async function schemaWithExtraField(): Promise<string> {
  const schema = await readFile(defaultSchemaPath(), 'utf8');
  const changed = schema.replace(
    /(model Secret \{\n)/,
    '$1  rotatedAt   DateTime?\n',
  );
  expect(changed).not.toBe(schema);
  const path = join(work, 'schema.prisma');
  await writeFile(path, changed);
  return path;
}

/** Tables in the server's own database (which the shadow replay must never touch). */
async function tablesInAdminDatabase(): Promise<string[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
    );
    return rows.map((r) => r.tablename);
  } finally {
    await client.end();
  }
}

/** Shadow databases created by this process (the server may be shared with other workers). */
async function shadowDatabasesLeft(): Promise<string[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
      [`${SHADOW_DATABASE_PREFIX}${process.pid}_`],
    );
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

describe('checkDrift', () => {
  it('finds no drift between the committed migrations and schema.prisma, using a shadow database it drops', async () => {
    const tablesBefore = await tablesInAdminDatabase();
    const report = await checkDrift({ shadowUrl: server.url });
    expect(report).toEqual({ drift: false, summary: '' });
    expect(await shadowDatabasesLeft()).toEqual([]);
    expect(await tablesInAdminDatabase()).toEqual(tablesBefore);
  });

  it('reports a field that has no migration', async () => {
    const report = await checkDrift({ shadowUrl: server.url, schemaPath: await schemaWithExtraField() });
    expect(report.drift).toBe(true);
    expect(report.summary).toMatch(/Secret/);
    expect(report.summary).toMatch(/rotatedAt/);
  });

  it('fails with the database error, and cleans up, when a migration does not apply', async () => {
    const migrationsDir = join(work, 'migrations');
    await cp(defaultMigrationsDir(), migrationsDir, { recursive: true });
    const last = (await readdir(migrationsDir)).filter((n) => n !== 'migration_lock.toml').sort().at(-1)!;
    await writeFile(join(migrationsDir, last, 'migration.sql'), 'ALTER TABLE "Nope" ADD COLUMN "x" int;');

    await expect(checkDrift({ shadowUrl: server.url, migrationsDir })).rejects.toThrow(
      new RegExp(`Migration \`${last}\` failed to apply cleanly to the shadow database[\\s\\S]*No such table: Nope`),
    );
    expect(await shadowDatabasesLeft()).toEqual([]);
  });

  it('says so when the shadow role may not create databases', async () => {
    const role = `weak_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE "${role}" LOGIN PASSWORD 'weak'`);
      const url = new URL(server.url);
      url.username = role;
      url.password = 'weak';
      await expect(checkDrift({ shadowUrl: url.toString() })).rejects.toThrow(
        'Failed to connect to the shadow database: permission denied to create database',
      );
    } finally {
      await admin.query(`DROP ROLE IF EXISTS "${role}"`);
      await admin.end();
    }
  });

  it('replays function bodies whole (adapter-pg alone would split them at every ;)', async () => {
    const migrationsDir = join(work, 'migrations');
    await cp(defaultMigrationsDir(), migrationsDir, { recursive: true });
    const fn = `CREATE FUNCTION two_statements() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1;
  RETURN 2;
END;
$$;
`;
    await mkdir(join(migrationsDir, '99990101000000_fn'));
    await writeFile(join(migrationsDir, '99990101000000_fn', 'migration.sql'), fn);
    expect(await checkDrift({ shadowUrl: server.url, migrationsDir })).toEqual({ drift: false, summary: '' });
  });
});

describe('createMigration', () => {
  it('writes the first migration from nothing, then nothing while the schema is unchanged', async () => {
    const migrationsDir = join(work, 'migrations');
    const first = await createMigration({
      name: 'init',
      migrationsDir,
      shadowUrl: server.url,
      now: new Date('2026-01-02T03:04:05Z'),
    });
    expect(first.name).toBe('20260102030405_init');
    const sql = await readFile(first.path!, 'utf8');
    expect(sql).toContain('CREATE TABLE "Nodepool"');
    expect(sql).toContain('CREATE TYPE "RolloutPhase" AS ENUM');
    expect(await readFile(join(migrationsDir, 'migration_lock.toml'), 'utf8')).toContain('provider = "postgresql"');

    const again = await createMigration({ name: 'nothing', migrationsDir, shadowUrl: server.url });
    expect(again).toEqual({ name: null, path: null });
    expect((await readdir(migrationsDir)).sort()).toEqual(['20260102030405_init', 'migration_lock.toml']);
  });

  it('writes only the difference for a changed schema, after which there is no drift', async () => {
    const migrationsDir = join(work, 'migrations');
    await cp(defaultMigrationsDir(), migrationsDir, { recursive: true });
    const schemaPath = await schemaWithExtraField();

    const created = await createMigration({ name: 'secret_rotated_at', migrationsDir, schemaPath, shadowUrl: server.url });
    expect(created.name).toMatch(/^\d{14}_secret_rotated_at$/);
    const sql = await readFile(created.path!, 'utf8');
    expect(sql).toMatch(/ALTER TABLE "Secret" ADD COLUMN\s+"rotatedAt" TIMESTAMP\(3\)/);
    expect(sql).not.toContain('CREATE TABLE');
    expect(await checkDrift({ migrationsDir, schemaPath, shadowUrl: server.url })).toEqual({ drift: false, summary: '' });
  });

  it('refuses names that are not snake_case, before touching anything', async () => {
    const migrationsDir = join(work, 'migrations');
    await expect(createMigration({ name: 'Add-Thing', migrationsDir, shadowUrl: server.url })).rejects.toThrow(
      /migration name must be snake_case/,
    );
    expect(existsSync(migrationsDir)).toBe(false);
  });

  it("names folders with Prisma's UTC timestamp", () => {
    expect(migrationTimestamp(new Date('2026-11-23T09:08:07.654Z'))).toBe('20261123090807');
  });
});

describe('without a shadow URL', () => {
  it('starts and removes a temporary Postgres by itself', async () => {
    const lines: string[] = [];
    expect(await checkDrift({ log: (line) => lines.push(line) })).toEqual({ drift: false, summary: '' });
    const dir = /^started a temporary Postgres for the shadow database in (.+)$/m.exec(lines.join('\n'))?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir!)).toBe(false);
  });
});
