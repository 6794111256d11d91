import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal } from '../auth/principal.js';
import { IdArg } from '../graphql/id-arg.js';
import { NodepoolModel } from '../nodepools/nodepool.model.js';
import { NodepoolsService } from '../nodepools/nodepools.service.js';
import { McpServerVersionModel } from '../servers/server-version.model.js';
import { ServerVersionsService } from '../servers/server-versions.service.js';
import {
  CreateDeploymentInput,
  DeploymentConnection,
  DeploymentModel,
  DeploymentsArgs,
  MAX_REPLICAS,
  PlacementModel,
  UpdateDeploymentInput,
} from './deployment.model.js';
import { DeploymentsService } from './deployments.service.js';

@Resolver(() => DeploymentModel)
export class DeploymentsResolver {
  constructor(
    private readonly deploymentsService: DeploymentsService,
    private readonly versionsService: ServerVersionsService,
    private readonly nodepoolsService: NodepoolsService,
  ) {}

  @Query(() => DeploymentConnection)
  @RequireRole(ApiKeyRole.VIEWER)
  deployments(@Args() args: DeploymentsArgs) {
    return this.deploymentsService.list(args.filter ?? {}, args);
  }

  @Query(() => DeploymentModel)
  @RequireRole(ApiKeyRole.VIEWER)
  deployment(@IdArg() id: string) {
    return this.deploymentsService.get(id);
  }

  @ResolveField(() => McpServerVersionModel)
  version(@Parent() deployment: DeploymentModel) {
    return this.versionsService.get(deployment.versionId);
  }

  @ResolveField(() => NodepoolModel)
  nodepool(@Parent() deployment: DeploymentModel) {
    return this.nodepoolsService.get(deployment.nodepoolId);
  }

  // One placement per replica, so a deployment has at most MAX_REPLICAS of them; the query cost says so.
  @ResolveField(() => [PlacementModel], {
    description: 'The runners this deployment is placed on.',
    complexity: ({ childComplexity }) => 1 + MAX_REPLICAS * Math.max(childComplexity, 1),
  })
  placements(@Parent() deployment: DeploymentModel) {
    return this.deploymentsService.placementsOf(deployment.id);
  }

  @Mutation(() => DeploymentModel, { description: 'Wants a server version on a nodepool (one deployment per pair).' })
  @RequireRole(ApiKeyRole.OPERATOR)
  createDeployment(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateDeploymentInput) {
    return this.deploymentsService.create(actorOf(principal), input);
  }

  @Mutation(() => DeploymentModel)
  @RequireRole(ApiKeyRole.OPERATOR)
  updateDeployment(
    @CurrentPrincipal() principal: Principal,
    @IdArg() id: string,
    @Args('input') input: UpdateDeploymentInput,
  ) {
    return this.deploymentsService.update(actorOf(principal), id, input);
  }

  @Mutation(() => DeploymentModel, { description: 'Removes a deployment and its placements.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  deleteDeployment(@CurrentPrincipal() principal: Principal, @IdArg() id: string) {
    return this.deploymentsService.delete(actorOf(principal), id);
  }
}
