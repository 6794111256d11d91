import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '@switchyard/db';
import { createNatsAuthBundle } from '@switchyard/nats-auth';
import { writeNatsAuthFile } from './nats-auth-file.js';
import { startNats, type NatsHandle } from './nats.js';
import { TEST_NATS_AUTH_FILE_VAR } from './nats-testing.js';
import { makeSearchableDir, startPostgres, type PostgresHandle } from './postgres.js';
import { startRedis, type RedisHandle } from './redis.js';
import { TEMPLATE_DATABASE, TEST_ENV_VARS } from './testing.js';

export interface TestStack {
  /** The variables to export to test workers (SWITCHYARD_TEST_*). */
  env: Record<string, string>;
  /** Milliseconds per step, for the log line. */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * One Postgres (fresh temp dir, fsync off), one nats-server (operator/JWT mode, with an auth
 * bundle made for this run) and one redis-server for a whole test run, plus the migrated
 * template database every test database is copied from.
 */
export async function startTestStack(): Promise<TestStack> {
  const started = performance.now();
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, work: Promise<T>): Promise<T> => {
    const value = await work;
    timings[name] = Math.round(performance.now() - started);
    return value;
  };
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-test-'));
  makeSearchableDir(dir);
  const handles: Array<PostgresHandle | NatsHandle | RedisHandle> = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(handles.map((handle) => handle.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  const keep = <T extends PostgresHandle | NatsHandle | RedisHandle>(handle: T): T => {
    handles.push(handle);
    return handle;
  };
  try {
    const pgReady = timed(
      'postgres',
      startPostgres({ dataDir: join(dir, 'pg'), persistent: false, durable: false, password: randomBytes(12).toString('hex') }).then(keep),
    );
    // Migrating needs only Postgres, so it overlaps with the other servers starting.
    const migrated = pgReady.then((pg) => timed('migrate', migrateTemplate(pg)));
    const natsAuthFile = join(dir, 'nats-auth.json');
    const natsReady = createNatsAuthBundle({ operatorName: 'switchyard-test' }).then(({ bundle }) => {
      writeNatsAuthFile(natsAuthFile, bundle);
      return startNats({ dir: join(dir, 'nats'), auth: bundle });
    });
    const [pg, nats, redis] = await Promise.all([
      pgReady,
      timed('nats', natsReady.then(keep)),
      timed('redis', startRedis({ dir: join(dir, 'redis') }).then(keep)),
      migrated,
    ]);
    return {
      env: {
        [TEST_ENV_VARS.pgUrl]: pg.url,
        [TEST_ENV_VARS.natsUrl]: nats.url,
        [TEST_ENV_VARS.redisUrl]: redis.url,
        [TEST_NATS_AUTH_FILE_VAR]: natsAuthFile,
      },
      timings,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function migrateTemplate(pg: PostgresHandle): Promise<void> {
  await pg.ensureDatabase(TEMPLATE_DATABASE);
  await migrate(pg.databaseUrl(TEMPLATE_DATABASE));
}
