import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { McpServerModel } from '../servers/server.model.js';
import { PoliciesService } from './policies.service.js';
import { RoutePolicyModel } from './route-policy.model.js';

/**
 * `McpServer.routePolicy` lives here rather than in the servers module: policies depend on
 * servers, and answering this field from the servers side would make the modules import each other.
 */
@Resolver(() => McpServerModel)
export class ServerRoutePolicyResolver {
  constructor(private readonly policiesService: PoliciesService) {}

  @ResolveField(() => RoutePolicyModel, { nullable: true, description: 'Null when the server has no route policy.' })
  routePolicy(@Parent() server: McpServerModel) {
    return this.policiesService.forServer(server.id);
  }
}
