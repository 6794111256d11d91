import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import type { ControlPlaneConfig } from './config/config.js';
import { ENROLL_BODY_LIMIT_BYTES, ENROLL_PATH } from './enrollment/runner-enrollment.controller.js';
import { DomainErrorFilter } from './graphql/domain-error.filter.js';
import { createValidationPipe } from './graphql/validation.pipe.js';
import { PinoNestLogger } from './logging/nest-logger.js';

/** Routes open to anonymous callers that only ever take small bodies. */
const ROUTE_BODY_LIMITS: Readonly<Record<string, number>> = { [ENROLL_PATH]: ENROLL_BODY_LIMIT_BYTES };

/** Builds (but does not start listening) a control-plane application. Used by main and tests. */
export async function createApp(config: ControlPlaneConfig, logger: Logger): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, trustProxy: false });
  // Nest has no per-route body limit; Fastify takes one per route, set here as routes register.
  adapter.getInstance().addHook('onRoute', (route) => {
    const limit = ROUTE_BODY_LIMITS[route.url];
    if (limit !== undefined) route.bodyLimit = Math.min(limit, config.bodyLimitBytes);
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
    abortOnError: false,
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new DomainErrorFilter(logger));
  await app.init();
  return app;
}
