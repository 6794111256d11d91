import { Module } from '@nestjs/common';
import { NodepoolsModule } from '../nodepools/nodepools.module.js';
import { ServersModule } from '../servers/servers.module.js';
import { DeploymentEvents } from './deployment-events.js';
import { DeploymentsRepository } from './deployments.repository.js';
import { DeploymentsResolver } from './deployments.resolver.js';
import { DeploymentsService } from './deployments.service.js';

@Module({
  imports: [ServersModule, NodepoolsModule],
  providers: [DeploymentsRepository, DeploymentsService, DeploymentsResolver, DeploymentEvents],
  exports: [DeploymentsService, DeploymentEvents],
})
export class DeploymentsModule {}
