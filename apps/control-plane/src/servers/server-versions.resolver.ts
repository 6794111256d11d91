import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal } from '../auth/principal.js';
import { IdArg } from '../graphql/id-arg.js';
import {
  CreateMcpServerVersionInput,
  McpServerVersionConnection,
  McpServerVersionModel,
  McpServerVersionsArgs,
  UpdateMcpServerVersionInput,
} from './server-version.model.js';
import { ServerVersionsService } from './server-versions.service.js';
import { McpServerModel } from './server.model.js';
import { ServersService } from './servers.service.js';

@Resolver(() => McpServerVersionModel)
export class ServerVersionsResolver {
  constructor(
    private readonly versionsService: ServerVersionsService,
    private readonly serversService: ServersService,
  ) {}

  @Query(() => McpServerVersionConnection)
  @RequireRole(ApiKeyRole.VIEWER)
  mcpServerVersions(@Args() args: McpServerVersionsArgs) {
    return this.versionsService.list(args.filter ?? {}, args);
  }

  @Query(() => McpServerVersionModel)
  @RequireRole(ApiKeyRole.VIEWER)
  mcpServerVersion(@IdArg() id: string) {
    return this.versionsService.get(id);
  }

  @ResolveField(() => McpServerModel)
  server(@Parent() version: McpServerVersionModel) {
    return this.serversService.get(version.serverId);
  }

  @Mutation(() => McpServerVersionModel, { description: 'Registers a version: a stdio command or a Streamable HTTP URL.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  createMcpServerVersion(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateMcpServerVersionInput) {
    return this.versionsService.create(actorOf(principal), input);
  }

  @Mutation(() => McpServerVersionModel, {
    description: 'Changes stateless or artifactIntegrity; the launch spec only while the version is not deployed.',
  })
  @RequireRole(ApiKeyRole.OPERATOR)
  updateMcpServerVersion(
    @CurrentPrincipal() principal: Principal,
    @IdArg() id: string,
    @Args('input') input: UpdateMcpServerVersionInput,
  ) {
    return this.versionsService.update(actorOf(principal), id, input);
  }

  @Mutation(() => McpServerVersionModel, { description: 'Deletes a version that no deployment or rollout uses.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  deleteMcpServerVersion(@CurrentPrincipal() principal: Principal, @IdArg() id: string) {
    return this.versionsService.delete(actorOf(principal), id);
  }
}
