import { Redis } from 'ioredis';
import { probeOnce } from './probe.js';
import { startRedis } from './redis.js';

const ping = { send: 'PING\r\n', ready: (received: string) => received.startsWith('+PONG') };

describe('startRedis', () => {
  it('serves on loopback, keeps nothing on disk by default, and stops idempotently', async () => {
    const redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      await client.set('k', 'v');
      expect(await client.get('k')).toBe('v');
      // No RDB snapshots and no AOF: it is a cache for dev and tests.
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    } finally {
      client.disconnect();
    }
    await redis.stop();
    await redis.stop();
    expect(redis.process.exitCode !== null || redis.process.signalCode !== null).toBe(true);
    expect(await probeOnce({ port: redis.port, ...ping })).toBe(false);
  });

  it('fails with the cause when the port is taken', async () => {
    const first = await startRedis();
    try {
      await expect(startRedis({ port: first.port })).rejects.toThrow(/redis-server exited before it was ready[\s\S]*Address already in use/);
    } finally {
      await first.stop();
    }
  });
});
