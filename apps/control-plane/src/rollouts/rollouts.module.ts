import { Module } from '@nestjs/common';
import { ServersModule } from '../servers/servers.module.js';
import { RolloutAnalysisScheduler } from './rollout-analysis.scheduler.js';
import { RolloutAnalysisService } from './rollout-analysis.service.js';
import { RolloutMetricsRepository } from './rollout-metrics.repository.js';
import { RolloutWeights } from './rollout-weights.js';
import { RetiredVersions } from './retired-versions.js';
import { RolloutsRepository } from './rollouts.repository.js';
import { RolloutsResolver } from './rollouts.resolver.js';
import { RolloutsService } from './rollouts.service.js';

/** Rollouts (docs/rollouts.md): operator commands, the scheduled analysis, and the weights routing reads. */
@Module({
  imports: [ServersModule],
  providers: [
    RolloutsRepository,
    RolloutMetricsRepository,
    RolloutsService,
    RolloutWeights,
    RetiredVersions,
    RolloutAnalysisService,
    RolloutAnalysisScheduler,
    RolloutsResolver,
  ],
  exports: [RolloutWeights, RolloutsService, RetiredVersions],
})
export class RolloutsModule {}
