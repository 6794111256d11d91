import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal } from '../auth/principal.js';
import { IdArg } from '../graphql/id-arg.js';
import {
  CreateNodepoolInput,
  NodepoolConnection,
  NodepoolModel,
  NodepoolsArgs,
  UpdateNodepoolInput,
} from './nodepool.model.js';
import { NodepoolsService } from './nodepools.service.js';

@Resolver(() => NodepoolModel)
export class NodepoolsResolver {
  constructor(private readonly nodepoolsService: NodepoolsService) {}

  @Query(() => NodepoolConnection)
  @RequireRole(ApiKeyRole.VIEWER)
  nodepools(@Args() args: NodepoolsArgs) {
    return this.nodepoolsService.list(args.filter ?? {}, args);
  }

  @Query(() => NodepoolModel)
  @RequireRole(ApiKeyRole.VIEWER)
  nodepool(@IdArg() id: string) {
    return this.nodepoolsService.get(id);
  }

  @Mutation(() => NodepoolModel)
  @RequireRole(ApiKeyRole.OPERATOR)
  createNodepool(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateNodepoolInput) {
    return this.nodepoolsService.create(actorOf(principal), input);
  }

  @Mutation(() => NodepoolModel)
  @RequireRole(ApiKeyRole.OPERATOR)
  updateNodepool(
    @CurrentPrincipal() principal: Principal,
    @IdArg() id: string,
    @Args('input') input: UpdateNodepoolInput,
  ) {
    return this.nodepoolsService.update(actorOf(principal), id, input);
  }

  @Mutation(() => NodepoolModel, { description: 'Deletes an empty nodepool (no runners, no deployments).' })
  @RequireRole(ApiKeyRole.OPERATOR)
  deleteNodepool(@CurrentPrincipal() principal: Principal, @IdArg() id: string) {
    return this.nodepoolsService.delete(actorOf(principal), id);
  }
}
