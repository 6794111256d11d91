// RateLimiter against the test run's real redis-server (the buckets are Lua in Redis: a fake
// would test nothing). Every test uses its own key id.
import { randomUUID } from 'node:crypto';
import { testEnv } from '@switchyard/devstack/testing';
import { DomainError } from '@switchyard/protocol';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { ControlPlaneConfig } from '../config/config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { BUCKET_PREFIX, RateLimiter, type RateLimit } from './rate-limiter.js';

const config = { mcp: { rateLimit: { perSecond: 20, burst: 40 } } } as unknown as ControlPlaneConfig;
const silent = pino({ level: 'silent' });

describe('RateLimiter (Redis token buckets)', () => {
  const clients: Redis[] = [];
  const connect = (url = testEnv().redisUrl, options = {}) => {
    const client = new Redis(url, { lazyConnect: false, ...options });
    clients.push(client);
    return client;
  };
  const limiter = (redis = connect(), metrics = new MetricsService()) => ({ sut: new RateLimiter(redis, config, metrics, silent), metrics });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
  });

  it('lets a burst through, then refuses with the time until the next token', async () => {
    const { sut } = limiter();
    const key = randomUUID();
    const limit: RateLimit = { perSecond: 2, burst: 3 };

    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await sut.takeForKey(key, limit));

    expect(decisions.slice(0, 3).map((d) => d.allowed)).toEqual([true, true, true]);
    expect(decisions.slice(0, 3).map((d) => d.remaining)).toEqual([2, 1, 0]);
    const refused = decisions[3]!;
    expect(refused.allowed).toBe(false);
    // One token at 2/s takes up to 500 ms; a little has refilled since the last take.
    expect(refused.allowed === false && refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.allowed === false && refused.retryAfterMs).toBeLessThanOrEqual(500);
  });

  it('refills at the configured rate: after the retry hint the next call passes', async () => {
    const { sut } = limiter();
    const key = randomUUID();
    const limit: RateLimit = { perSecond: 50, burst: 1 };
    expect((await sut.takeForKey(key, limit)).allowed).toBe(true);
    const refused = await sut.takeForKey(key, limit);
    if (refused.allowed) throw new Error('expected a refusal right after the burst of 1');

    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 5));

    expect((await sut.takeForKey(key, limit)).allowed).toBe(true);
  });

  it('is one bucket for every replica: two limiters on two connections share it', async () => {
    const replicaA = limiter().sut;
    const replicaB = limiter().sut;
    const key = randomUUID();
    const limit: RateLimit = { perSecond: 0.01, burst: 10 };

    let allowed = 0;
    for (let i = 0; i < 20; i++) if ((await (i % 2 === 0 ? replicaA : replicaB).takeForKey(key, limit)).allowed) allowed++;

    expect(allowed).toBe(10);
  });

  it('never lets more than the burst through under concurrent calls', async () => {
    const replicas = [limiter().sut, limiter().sut, limiter().sut];
    const key = randomUUID();
    const limit: RateLimit = { perSecond: 0.01, burst: 7 };

    const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => replicas[i % replicas.length]!.takeForKey(key, limit)));

    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
  });

  it('limits each key on its own', async () => {
    const { sut } = limiter();
    const limit: RateLimit = { perSecond: 0.01, burst: 1 };
    const [first, second] = [randomUUID(), randomUUID()];
    expect((await sut.takeForKey(first, limit)).allowed).toBe(true);
    expect((await sut.takeForKey(first, limit)).allowed).toBe(false);
    expect((await sut.takeForKey(second, limit)).allowed).toBe(true);
  });

  it('lets an idle bucket expire once it would be full again', async () => {
    const redis = connect();
    const { sut } = limiter(redis);
    const key = randomUUID();
    await sut.takeForKey(key, { perSecond: 10, burst: 20 });

    const ttl = await redis.pttl(`${BUCKET_PREFIX}key:${key}`);

    // 1 token short refills in 100 ms; the key lives that long plus a second of slack.
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1_100);
  });

  it('says RATE_LIMITED with a retry hint in seconds through assertWithinLimit', async () => {
    const { sut } = limiter();
    const key = randomUUID();
    const limit: RateLimit = { perSecond: 0.5, burst: 1 };
    await sut.assertWithinLimit(key, limit);

    const refusal = await sut.assertWithinLimit(key, limit).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 2 } });
    expect((refusal as DomainError).message).toMatch(/retry in 2 s/);
  });

  it('refuses a cost above the burst (it could never be paid) instead of waiting forever', async () => {
    const { sut } = limiter();
    await expect(sut.takeForKey(randomUUID(), { perSecond: 1, burst: 2 }, 3)).rejects.toThrow(RangeError);
  });

  it('lets calls through when Redis cannot answer, and counts it', async () => {
    const unreachable = connect('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    unreachable.on('error', () => undefined);
    const { sut, metrics } = limiter(unreachable);

    const decision = await sut.takeForKey(randomUUID());

    expect(decision.allowed).toBe(true);
    const errors = await metrics.registry.getSingleMetricAsString('switchyard_rate_limit_errors_total');
    expect(errors).toMatch(/switchyard_rate_limit_errors_total 1$/m);
  });
});
