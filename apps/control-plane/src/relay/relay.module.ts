import { Module } from '@nestjs/common';
import { RunnersModule } from '../runners/runners.module.js';
import { RunnerRelay } from './runner-relay.js';

/**
 * The relay between the control plane and upstream MCP servers on runners (docs/relay.md), for
 * the gateway. Uses the global NatsLink, LOGGER and MetricsService, and RunnerEvents from the
 * runners module: `onRunnerLost` fails the lost runner's sessions at once.
 */
@Module({
  imports: [RunnersModule],
  providers: [RunnerRelay],
  exports: [RunnerRelay],
})
export class RelayModule {}
