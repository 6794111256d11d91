// Helpers for jest specs. The global setup (jest/global-setup.ts) started the servers and
// exported their URLs through these variables before any worker was forked.
import { createTestDatabase as createDatabase, TEST_PG_URL_VAR, type TestDatabase } from '@switchyard/db/testing';

export type { TestDatabase };
export { waitFor } from './wait-for.js';

export const TEST_ENV_VARS = {
  pgUrl: TEST_PG_URL_VAR,
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

/**
 * A fresh database with all migrations applied, isolated from every other test: a copy of the
 * template (CREATE DATABASE … TEMPLATE costs milliseconds; migrating each one would cost seconds).
 * Creating and dropping is @switchyard/db/testing's; this only picks the template.
 */
export function createTestDatabase(): Promise<TestDatabase> {
  return createDatabase({ template: TEMPLATE_DATABASE });
}
