import { Redis } from 'ioredis';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import pg from 'pg';
import { testNatsAuth } from './nats-testing.js';
import { createTestDatabase, TEMPLATE_DATABASE, testEnv } from './testing.js';

async function rows<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const tablesSql = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;

describe('test environment from the global setup', () => {
  it('reaches this worker with URLs of running servers', async () => {
    const env = testEnv();
    expect(env.pgUrl).toMatch(/^postgresql:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    expect(await rows(env.pgUrl, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);

    const redis = new Redis(env.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();

    // Operator mode: only the bundle's users get in.
    const creds = new TextEncoder().encode(testNatsAuth().bundle.controlPlaneUser.creds);
    const nats = await connect({ servers: env.natsUrl, authenticator: credsAuthenticator(creds), maxReconnectAttempts: 0 });
    await nats.flush();
    await nats.close();
  });
});

describe('createTestDatabase', () => {
  it('gives each caller its own migrated copy of the template', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      expect(a.name).not.toBe(b.name);
      const templateUrl = new URL(testEnv().pgUrl);
      templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
      const templateTables = await rows(templateUrl.toString(), tablesSql);
      // Migrated: Prisma's history table plus at least one model table.
      expect(templateTables).toContainEqual({ table_name: '_prisma_migrations' });
      expect(templateTables.length).toBeGreaterThan(1);
      expect(await rows(a.url, tablesSql)).toEqual(templateTables);
      const applied = await rows<{ n: number }>(a.url, 'SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL');
      expect(applied[0]?.n).toBeGreaterThan(0);

      await rows(a.url, 'CREATE TABLE only_in_a (v int); INSERT INTO only_in_a VALUES (1)');
      expect(await rows(b.url, `SELECT to_regclass('only_in_a') AS t`)).toEqual([{ t: null }]);
      expect(await rows(templateUrl.toString(), `SELECT to_regclass('only_in_a') AS t`)).toEqual([{ t: null }]);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('drop() removes the database even while a client is still connected', async () => {
    const db = await createTestDatabase();
    const straggler = new pg.Client({ connectionString: db.url });
    straggler.on('error', () => undefined);
    await straggler.connect();
    await db.drop();
    await db.drop();
    expect(await rows(testEnv().pgUrl, 'SELECT datname FROM pg_database WHERE datname = $1', [db.name])).toEqual([]);
    await straggler.end().catch(() => undefined);
  });
});
