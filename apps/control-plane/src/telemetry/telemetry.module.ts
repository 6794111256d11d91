import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { LOGGER } from '../logging/logging.module.js';
import { CallMetrics } from './call-metrics.js';
import { CallTelemetry, TRACING } from './call-telemetry.service.js';
import { createTracing, type Tracing } from './tracing.js';

/** Flushes queued spans when the app closes. The module is global, so Nest closes it after its users. */
@Injectable()
class TracingShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(TRACING) private readonly tracing: Tracing,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.tracing.shutdown().catch((error: unknown) => {
      this.logger.warn({ component: 'tracing', err: error instanceof Error ? error.message : String(error) }, 'could not flush spans at shutdown');
    });
  }
}

/** Call telemetry (spans with W3C trace context, OTLP export when configured, call metrics). */
@Global()
@Module({
  providers: [
    {
      provide: TRACING,
      inject: [CONTROL_PLANE_CONFIG, LOGGER],
      useFactory: (config: ControlPlaneConfig, logger: Logger): Tracing => createTracing(config.telemetry, logger),
    },
    TracingShutdown,
    CallMetrics,
    CallTelemetry,
  ],
  exports: [CallTelemetry],
})
export class TelemetryModule {}
