import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module.js';
import { RunnersModule } from '../runners/runners.module.js';
import { SecretsModule } from '../secrets/secrets.module.js';
import { AssignmentPublisher } from './assignment-publisher.js';
import { DeploymentPlacementResolver } from './deployment-placement.resolver.js';
import { PlacementRepository } from './placement.repository.js';
import { PlacementService } from './placement.service.js';

/** Places deployment replicas on runners and sends each runner its assignment and secrets. */
@Module({
  imports: [DeploymentsModule, RunnersModule, SecretsModule],
  providers: [PlacementRepository, AssignmentPublisher, PlacementService, DeploymentPlacementResolver],
  exports: [PlacementService],
})
export class PlacementModule {}
