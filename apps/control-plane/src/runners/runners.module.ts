import { Module } from '@nestjs/common';
import { NatsAuthModule } from '../nats-auth/nats-auth.module.js';
import { HeartbeatsConsumer } from './heartbeats.consumer.js';
import { RunnerDrainResolver } from './runner-drain.resolver.js';
import { RunnerDrainService } from './runner-drain.service.js';
import { RunnerEvents } from './runner-events.js';
import { RunnerLivenessService } from './runner-liveness.service.js';
import { RunnerMetrics } from './runner-metrics.js';
import { RunnersRepository } from './runners.repository.js';
import { RunnersResolver } from './runners.resolver.js';
import { RunnersService } from './runners.service.js';

/** Runners: the read API, liveness from NATS `$SYS` events, heartbeats, operator drain. */
@Module({
  imports: [NatsAuthModule],
  providers: [RunnersRepository, RunnersService, RunnersResolver, RunnerEvents, RunnerMetrics, RunnerLivenessService, HeartbeatsConsumer, RunnerDrainService, RunnerDrainResolver],
  exports: [RunnersService, RunnerEvents, RunnerLivenessService],
})
export class RunnersModule {}
