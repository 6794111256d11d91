import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal } from '../auth/principal.js';
import { IdArg } from '../graphql/id-arg.js';
import { McpServerModel } from '../servers/server.model.js';
import { ServersService } from '../servers/servers.service.js';
import { PoliciesService } from './policies.service.js';
import {
  CreateRoutePolicyInput,
  RoutePoliciesArgs,
  RoutePolicyConnection,
  RoutePolicyModel,
  UpdateRoutePolicyInput,
} from './route-policy.model.js';

@Resolver(() => RoutePolicyModel)
export class PoliciesResolver {
  constructor(
    private readonly policiesService: PoliciesService,
    private readonly serversService: ServersService,
  ) {}

  @Query(() => RoutePolicyConnection)
  @RequireRole(ApiKeyRole.VIEWER)
  routePolicies(@Args() args: RoutePoliciesArgs) {
    return this.policiesService.list(args.filter ?? {}, args);
  }

  @Query(() => RoutePolicyModel)
  @RequireRole(ApiKeyRole.VIEWER)
  routePolicy(@IdArg() id: string) {
    return this.policiesService.get(id);
  }

  @ResolveField(() => McpServerModel)
  server(@Parent() policy: RoutePolicyModel) {
    return this.serversService.get(policy.serverId);
  }

  @Mutation(() => RoutePolicyModel, { description: 'Sets the routing rules of a server that has none yet.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  createRoutePolicy(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateRoutePolicyInput) {
    return this.policiesService.create(actorOf(principal), input);
  }

  @Mutation(() => RoutePolicyModel)
  @RequireRole(ApiKeyRole.OPERATOR)
  updateRoutePolicy(
    @CurrentPrincipal() principal: Principal,
    @IdArg() id: string,
    @Args('input') input: UpdateRoutePolicyInput,
  ) {
    return this.policiesService.update(actorOf(principal), id, input);
  }

  @Mutation(() => RoutePolicyModel, { description: 'Removes the policy: the server is then routed without restrictions.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  deleteRoutePolicy(@CurrentPrincipal() principal: Principal, @IdArg() id: string) {
    return this.policiesService.delete(actorOf(principal), id);
  }
}
