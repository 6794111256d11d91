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
      inject: [CONTROL_PLANE_CONFIG],
      useFactory: (config: ControlPlaneConfig) =>
        new Redis(config.redisUrl, {
          maxRetriesPerRequest: 2,
          connectionName: 'switchyard-control-plane',
          retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5_000),
        }),
    },
    {
      provide: NatsLink,
      inject: [CONTROL_PLANE_CONFIG, LOGGER],
      useFactory: (config: ControlPlaneConfig, logger: Logger) => new NatsLink(config.natsUrls, logger),
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
