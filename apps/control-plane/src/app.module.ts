import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import type { Logger } from 'pino';
import { AdminEventsModule } from './admin-events/admin-events.module.js';
import { ApiKeysModule } from './api-keys/api-keys.module.js';
import { AuthGuard } from './auth/auth.guard.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from './config/config.js';
import { ConfigModule } from './config/config.module.js';
import { ConnectionsModule } from './connections/connections.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DOMAIN_MODULES } from './domain-modules.js';
import { GatewayModule } from './gateway/gateway.module.js';
import { GrpcModule } from './grpc/grpc.module.js';
import { graphqlOptions } from './graphql/graphql-options.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { MetricsService } from './metrics/metrics.service.js';
import { NatsAuthModule } from './nats-auth/nats-auth.module.js';
import { RelayModule } from './relay/relay.module.js';
import { RoutingModule } from './routing/routing.module.js';
import { TelemetryModule } from './telemetry/telemetry.module.js';

@Module({})
export class AppModule {
  static forRoot(config: ControlPlaneConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(logger),
        DatabaseModule,
        ConnectionsModule,
        NatsAuthModule,
        MetricsModule,
        TelemetryModule,
        AdminEventsModule,
        ApiKeysModule,
        HealthModule,
        ...DOMAIN_MODULES,
        RelayModule,
        RoutingModule,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [CONTROL_PLANE_CONFIG, MetricsService],
          useFactory: graphqlOptions,
        }),
        // Last: destroy hooks run in reverse, and the gateway must end its calls (and SSE streams)
        // before Apollo's stop waits for open HTTP connections.
        GatewayModule,
        // After the gateway, for the same reason: its calls in flight end (audited) before the rest stops.
        GrpcModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
    };
  }
}
