import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { LOGGER } from '../logging/logging.module.js';
import { NatsLink } from './nats-link.js';

export const REDIS = Symbol('Redis');

/**
 * Shared connections to Redis and NATS. Both reconnect forever: a control plane that loses
 * one of them stays up, reports not-ready on /readyz, and recovers by itself.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [CONTROL_PLANE_CONFIG, LOGGER],
      useFactory: (config: ControlPlaneConfig, logger: Logger) => {
        const redis = new Redis(config.redisUrl, {
          // Commands issued in one tick go out in one write: the gateway's fire-and-forget writes
          // (event log, session expiry, routing statistics) ride with the awaited ones (rate limit).
          // Writes are the largest CPU cost per call on the gateway (docs/gateway.md, "Cost").
          enableAutoPipelining: true,
          maxRetriesPerRequest: 2,
          connectionName: 'switchyard-control-plane',
          retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5_000),
        });
        // Without a listener ioredis prints "Unhandled error event" stack traces on every retry.
        // Log the first failure and then every 10th, as structured lines like everything else.
        let failures = 0;
        redis.on('error', (error: Error) => {
          failures += 1;
          if (failures === 1 || failures % 10 === 0) logger.warn({ err: error.message, failures }, 'Redis not reachable; retrying');
        });
        redis.on('ready', () => {
          if (failures > 0) logger.info({ failures }, 'Redis reachable again');
          failures = 0;
        });
        return redis;
      },
    },
    {
      provide: NatsLink,
      inject: [CONTROL_PLANE_CONFIG, LOGGER],
      useFactory: (config: ControlPlaneConfig, logger: Logger) =>
        new NatsLink(config.natsUrls, logger, { name: 'switchyard-control-plane', creds: config.natsAuth.controlPlaneUser.creds, caPem: config.natsCaPem }),
    },
  ],
  exports: [REDIS, NatsLink],
})
export class ConnectionsModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly nats: NatsLink,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.nats.close(), this.redis.quit()]);
  }
}
