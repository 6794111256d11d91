import { Module } from '@nestjs/common';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { RelayModule } from '../relay/relay.module.js';
import { RoutedUpstreamChooser } from '../routing/routed-upstream-chooser.js';
import { RoutingModule } from '../routing/routing.module.js';
import { RolloutsModule } from '../rollouts/rollouts.module.js';
import { ShadowModule } from '../shadow/shadow.module.js';
import { AggregateServersRepository } from './aggregate/aggregate-servers.repository.js';
import { AggregateStore } from './aggregate/aggregate-store.js';
import { AggregateService } from './aggregate/aggregate.service.js';
import { EventLog } from './event-log.js';
import { GatewayPolicies } from './gateway-policies.js';
import { GatewayRoutes } from './gateway.routes.js';
import { GatewayService } from './gateway.service.js';
import { SessionHandoff } from './session-handoff.js';
import { SessionStore } from './session-store.js';
import { ToolInvocationsRepository } from './tool-invocations.repository.js';
import { UPSTREAM_CHOOSER } from './upstream-chooser.js';
import { UpstreamsRepository } from './upstreams.repository.js';

/**
 * The MCP gateway (docs/gateway.md): `/mcp/<server>` and the aggregated `/mcp` over Streamable HTTP, relayed to runners
 * through RunnerRelay; sessions and stream logs in Redis; every tool call audited.
 */
@Module({
  imports: [RelayModule, RateLimitsModule, RoutingModule, RolloutsModule, ShadowModule],
  providers: [
    GatewayService,
    GatewayPolicies,
    GatewayRoutes,
    SessionStore,
    SessionHandoff,
    EventLog,
    ToolInvocationsRepository,
    UpstreamsRepository,
    // The policy router: residency, health, rollout weights or bandits, least outstanding (docs/router.md).
    { provide: UPSTREAM_CHOOSER, useExisting: RoutedUpstreamChooser },
    AggregateService,
    AggregateStore,
    AggregateServersRepository,
  ],
  exports: [GatewayService],
})
export class GatewayModule {}
