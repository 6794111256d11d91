import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { makeSearchableDir, startPostgres } from './postgres.js';

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'devstack-pg-spec-'));
    makeSearchableDir(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('initialises a cluster, reuses it with its data on the next start, and deletes it when not persistent', async () => {
    const dataDir = join(dir, 'data');
    const first = await startPostgres({ dataDir, password: 's3cret/?', databases: ['app'] });
    expect(first.url).toBe(`postgresql://postgres:s3cret%2F%3F@127.0.0.1:${first.port}/postgres`);
    await query(first.databaseUrl('app'), 'CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$survives$$)');
    await first.ensureDatabase('app');
    await first.stop();
    await first.stop();
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);

    const second = await startPostgres({ dataDir, password: 's3cret/?', persistent: false });
    expect(await query(second.databaseUrl('app'), 'SELECT v FROM kept')).toEqual([{ v: 'survives' }]);
    // Loopback TCP only: no Unix socket is created anywhere.
    expect(await query(second.url, 'SHOW unix_socket_directories')).toEqual([{ unix_socket_directories: '' }]);
    await second.stop();
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses a directory that holds something else', async () => {
    const dataDir = join(dir, 'not-a-cluster');
    makeSearchableDir(dataDir);
    makeSearchableDir(join(dataDir, 'stuff'));
    await expect(startPostgres({ dataDir })).rejects.toThrow('neither empty nor a Postgres cluster');
  });

  it('rejects a wrong password for a reused cluster', async () => {
    const dataDir = join(dir, 'pw');
    const first = await startPostgres({ dataDir, password: 'right', persistent: false });
    try {
      const wrong = first.url.replace(':right@', ':wrong@');
      await expect(query(wrong, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    } finally {
      await first.stop();
    }
  });
});
