// Test databases for specs (`@switchyard/db/testing`): the one implementation of "create a
// uniquely named database on the shared test server, drop it WITH (FORCE)". The server is the
// Postgres that jest's global setup (libs/devstack) starts once per run and exports as
// SWITCHYARD_TEST_PG_URL; `@switchyard/devstack/testing` builds its template copies on this.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withDatabase } from './database-url.js';
import { migrate } from './migrator.js';

/** Superuser URL of the shared test server, set by the jest global setup. */
export const TEST_PG_URL_VAR = 'SWITCHYARD_TEST_PG_URL';

export interface TestDatabase {
  readonly name: string;
  /** URL of the new database (same server and credentials). */
  readonly url: string;
  /** Drops the database WITH (FORCE), cutting clients still connected. Idempotent. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Apply the repository's migrations with the migrator (default false). */
  migrate?: boolean;
  /**
   * Create it as a copy of this database (CREATE DATABASE … TEMPLATE): milliseconds, where
   * migrating costs seconds. The template must have no open connections while it is copied.
   */
  template?: string;
}

function testServerUrl(): string {
  const url = process.env[TEST_PG_URL_VAR];
  if (!url) {
    throw new Error(
      `${TEST_PG_URL_VAR} is not set: run specs through "npm test" or "npm run test:jest", whose global setup (libs/devstack) starts the shared test Postgres`,
    );
  }
  return url;
}

let counter = 0;

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  // Jest workers share the server: the pid and a counter keep names apart, the random part keeps
  // a leftover of an earlier run (same pid) from colliding.
  const name = `sy_test_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
  await withClient(serverUrl, (client) => {
    const template = options.template ? ` TEMPLATE ${client.escapeIdentifier(options.template)}` : '';
    return client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}${template}`);
  });
  let dropped: Promise<void> | undefined;
  const drop = (): Promise<void> =>
    (dropped ??= withClient(serverUrl, (client) =>
      client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
    ).then(() => undefined));
  const url = withDatabase(serverUrl, name);
  if (options.migrate) {
    try {
      await migrate(url);
    } catch (error) {
      await drop().catch(() => undefined);
      throw error;
    }
  }
  return { name, url, drop };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
