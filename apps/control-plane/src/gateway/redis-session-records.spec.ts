// RedisSessionRecords against the test run's real redis-server (expiry is Redis's: a fake would
// test nothing). Every test uses its own session id; the records expire after 60 s anyway.
import { randomUUID } from 'node:crypto';
import { testEnv } from '@switchyard/devstack/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { ControlPlaneConfig } from '../config/config.js';
import { RedisSessionRecords } from './redis-session-records.js';

interface TestRecord {
  sessionId: string;
  replicaId: string;
}

/** The protected side-hash operations, open for the test. */
class TestRecords extends RedisSessionRecords<TestRecord> {
  set = (sessionId: string, field: string, value: string) => this.setSide(sessionId, field, value, 'could not set');
  unset = (sessionId: string, field: string) => this.deleteSide(sessionId, field, 'could not delete');
  entries = (sessionId: string) => this.side(sessionId);
}

const config = { mcp: { sessionIdleSeconds: 60 } } as unknown as ControlPlaneConfig;
const PREFIX = 'sy:test:records';

describe('RedisSessionRecords', () => {
  let redis: Redis;
  let sut: TestRecords;

  beforeAll(() => {
    redis = new Redis(testEnv().redisUrl);
    sut = new TestRecords(redis, config, pino({ level: 'silent' }), { prefix: PREFIX, side: 'extra', what: 'a test record' });
  });

  afterAll(() => redis.disconnect());

  /** The side-hash writes are not awaited by design: wait until Redis has them. */
  const eventually = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const value = await read();
      if (done(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('finds a saved record by its session id, with the idle expiry, and nothing for an unknown id', async () => {
    const record = { sessionId: randomUUID(), replicaId: 'replica-a' };

    await sut.save(record);

    expect(await sut.find(record.sessionId)).toEqual(record);
    expect(await sut.find(randomUUID())).toBeUndefined();
    const ttl = await redis.pttl(`${PREFIX}:${record.sessionId}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('keeps a side hash beside the record, removed with it', async () => {
    const record = { sessionId: randomUUID(), replicaId: 'replica-a' };
    await sut.save(record);

    sut.set(record.sessionId, 'a', '1');
    sut.set(record.sessionId, 'b', '2');
    expect(await eventually(() => sut.entries(record.sessionId), (e) => Object.keys(e).length === 2)).toEqual({ a: '1', b: '2' });
    expect(await redis.pttl(`${PREFIX}:${record.sessionId}:extra`)).toBeGreaterThan(50_000);

    sut.unset(record.sessionId, 'a');
    expect(await eventually(() => sut.entries(record.sessionId), (e) => !('a' in e))).toEqual({ b: '2' });

    await sut.remove(record.sessionId);
    expect(await sut.find(record.sessionId)).toBeUndefined();
    expect(await sut.entries(record.sessionId)).toEqual({});
  });

  it('renews the expiry of the record and of its side hash on touch', async () => {
    const record = { sessionId: randomUUID(), replicaId: 'replica-a' };
    await sut.save(record);
    sut.set(record.sessionId, 'a', '1');
    await eventually(() => sut.entries(record.sessionId), (e) => 'a' in e);
    await redis.pexpire(`${PREFIX}:${record.sessionId}`, 1_000);
    await redis.pexpire(`${PREFIX}:${record.sessionId}:extra`, 1_000);

    sut.touch(record.sessionId);

    const ttls = await eventually(
      () => Promise.all([redis.pttl(`${PREFIX}:${record.sessionId}`), redis.pttl(`${PREFIX}:${record.sessionId}:extra`)]),
      (both) => both.every((ttl) => ttl > 50_000),
    );
    expect(ttls.every((ttl) => ttl > 50_000)).toBe(true);
  });

  it('sends a touch at most once per 3 s (a twentieth of the 60 s idle time) per session', async () => {
    const record = { sessionId: randomUUID(), replicaId: 'replica-a' };
    await sut.save(record);
    const key = `${PREFIX}:${record.sessionId}`;
    sut.touch(record.sessionId, 1_000_000);
    await eventually(() => redis.pttl(key), (ttl) => ttl > 50_000);

    await redis.pexpire(key, 1_000);
    sut.touch(record.sessionId, 1_002_999); // skipped: touched 2.999 s ago
    await redis.ping(); // after the touch's commands, were there any
    expect(await redis.pttl(key)).toBeLessThanOrEqual(1_000);

    sut.touch(record.sessionId, 1_003_000);
    expect(await eventually(() => redis.pttl(key), (ttl) => ttl > 50_000)).toBeGreaterThan(50_000);
  });
});
