// Test databases for specs (`@switchyard/db/testing`). Every database is fresh and uniquely
// named, on the shared server the jest global setup exports as SWITCHYARD_TEST_PG_URL or, when a
// spec runs without it, on a temporary embedded Postgres of its own.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrate } from './migrator.js';
import { withDatabase } from './pg-engine-adapter.js';
import { startTempPostgres } from './temp-postgres.js';

export interface TestDatabase {
  /** URL of the new database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database (WITH FORCE: open connections are cut). */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Apply the repository's migrations (default false: an empty database). */
  migrate?: boolean;
}

export interface TestServer {
  /** Superuser URL of the server (for shadow databases, CREATE DATABASE, …). */
  readonly url: string;
  createDatabase(options?: TestDatabaseOptions): Promise<TestDatabase>;
  /** Stops the server if this call started it; a shared server is left alone. */
  stop(): Promise<void>;
}

async function execute(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Start once per spec file (beforeAll), create a database per test. */
export async function startTestServer(): Promise<TestServer> {
  const shared = process.env['SWITCHYARD_TEST_PG_URL'];
  const own = shared ? undefined : await startTempPostgres();
  const url = shared ?? own!.url;
  return {
    url,
    createDatabase: async (options = {}) => {
      const name = `sy_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
      const dbUrl = withDatabase(url, name);
      const drop = (): Promise<void> => execute(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await execute(url, `CREATE DATABASE "${name}"`);
      try {
        if (options.migrate) await migrate(dbUrl);
      } catch (error) {
        await drop().catch(() => undefined);
        throw error;
      }
      return { url: dbUrl, name, drop };
    },
    stop: async () => {
      await own?.stop();
    },
  };
}

/** One database on a server of its own (or on the shared one); `drop()` cleans up both. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const server = await startTestServer();
  try {
    const db = await server.createDatabase(options);
    return {
      ...db,
      drop: async () => {
        try {
          await db.drop();
        } finally {
          await server.stop();
        }
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
