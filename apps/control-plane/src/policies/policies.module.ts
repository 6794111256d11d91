import { Module } from '@nestjs/common';
import { ServersModule } from '../servers/servers.module.js';
import { PoliciesRepository } from './policies.repository.js';
import { PoliciesResolver } from './policies.resolver.js';
import { PoliciesService } from './policies.service.js';
import { ServerRoutePolicyResolver } from './server-route-policy.resolver.js';

/** Route policies: one per MCP server (residency, failover, retries, router kind). */
@Module({
  imports: [ServersModule],
  providers: [PoliciesRepository, PoliciesService, PoliciesResolver, ServerRoutePolicyResolver],
  exports: [PoliciesService],
})
export class PoliciesModule {}
