// Helpers for jest specs. The global setup (jest/global-setup.ts) started the servers and
// exported their URLs through these variables before any worker was forked.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_ENV_VARS = {
  pgUrl: 'SWITCHYARD_TEST_PG_URL',
  redisUrl: 'SWITCHYARD_TEST_REDIS_URL',
  natsUrl: 'SWITCHYARD_TEST_NATS_URL',
} as const;

/** Migrated once per run; every test database is a copy of it. */
export const TEMPLATE_DATABASE = 'switchyard_template';

export interface TestEnv {
  /** Superuser URL to the database "postgres" of the shared test cluster. */
  pgUrl: string;
  redisUrl: string;
  natsUrl: string;
}

export function testEnv(): TestEnv {
  const read = (name: string): string => {
    const value = process.env[name];
    if (!value) {
      throw new Error(`${name} is not set: run tests through "npm test" or "npm run test:jest" so jest's globalSetup starts the test servers`);
    }
    return value;
  };
  return { pgUrl: read(TEST_ENV_VARS.pgUrl), redisUrl: read(TEST_ENV_VARS.redisUrl), natsUrl: read(TEST_ENV_VARS.natsUrl) };
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, disconnecting any client still attached. Idempotent. */
  drop(): Promise<void>;
}

let counter = 0;

/**
 * A fresh database with all migrations applied, isolated from every other test: a copy of the
 * template (CREATE DATABASE … TEMPLATE costs milliseconds; migrating each one would cost seconds).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = testEnv().pgUrl;
  const name = `sy_test_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    name,
    url: url.toString(),
    drop() {
      dropped ??= withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined);
      return dropped;
    },
  };
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
