import { Module } from '@nestjs/common';
import { ToolInvocationsRepository } from '../gateway/tool-invocations.repository.js';
import { UPSTREAM_CHOOSER } from '../gateway/upstream-chooser.js';
import { UpstreamsRepository } from '../gateway/upstreams.repository.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { RelayModule } from '../relay/relay.module.js';
import { RoutedUpstreamChooser } from '../routing/routed-upstream-chooser.js';
import { RoutingModule } from '../routing/routing.module.js';
import { ToolGatewayRepository } from './tool-gateway.repository.js';
import { ToolGatewayServer } from './tool-gateway.server.js';
import { ToolGatewayService } from './tool-gateway.service.js';

/**
 * The gRPC ToolGateway (docs/gateway.md, "gRPC ToolGateway"): ListTools and CallTool for internal
 * callers that do not speak MCP, with the MCP gateway's keys, scopes, upstream choice and audit.
 * Its server runs only when SWITCHYARD_GRPC_PORT is set. The gateway's classes are provided here
 * again (the GatewayModule exports only its service): the same UpstreamChooser binding as the
 * gateway's (the policy router), and an audit repository of its own (its group commit batches this
 * module's calls). It does not import GatewayModule: that would move GatewayModule in the order in
 * which Nest destroys modules, and the gateway must end its sessions (calls INTERRUPTED, streams
 * closed) before the GraphQL server's drain waits for open connections — gateway-replicas e2e,
 * "ends a session whose replica shuts down mid-call", fails if it does not.
 */
@Module({
  imports: [RelayModule, RateLimitsModule, RoutingModule],
  providers: [
    ToolGatewayService,
    ToolGatewayServer,
    ToolGatewayRepository,
    ToolInvocationsRepository,
    UpstreamsRepository,
    // The policy router, as for the MCP gateway (docs/router.md).
    { provide: UPSTREAM_CHOOSER, useExisting: RoutedUpstreamChooser },
  ],
  exports: [ToolGatewayServer],
})
export class GrpcModule {}
