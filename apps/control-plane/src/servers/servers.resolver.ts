import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal } from '../auth/principal.js';
import { IdArg } from '../graphql/id-arg.js';
import { McpServerVersionModel } from './server-version.model.js';
import { ServerVersionsService, VERSIONS_PER_SERVER } from './server-versions.service.js';
import {
  CreateMcpServerInput,
  McpServerConnection,
  McpServerModel,
  McpServersArgs,
  UpdateMcpServerInput,
} from './server.model.js';
import { ServersService } from './servers.service.js';

@Resolver(() => McpServerModel)
export class ServersResolver {
  constructor(
    private readonly serversService: ServersService,
    private readonly versionsService: ServerVersionsService,
  ) {}

  @Query(() => McpServerConnection)
  @RequireRole(ApiKeyRole.VIEWER)
  mcpServers(@Args() args: McpServersArgs) {
    return this.serversService.list(args.filter ?? {}, args);
  }

  @Query(() => McpServerModel)
  @RequireRole(ApiKeyRole.VIEWER)
  mcpServer(@IdArg() id: string) {
    return this.serversService.get(id);
  }

  @Query(() => McpServerModel)
  @RequireRole(ApiKeyRole.VIEWER)
  mcpServerByName(@Args('name') name: string) {
    return this.serversService.getByName(name);
  }

  // Query cost counts the full 100 rows per server, so a large outer page asking for versions is refused.
  @ResolveField(() => [McpServerVersionModel], {
    description: `The ${VERSIONS_PER_SERVER} newest versions, newest first (older ones: mcpServerVersions).`,
    complexity: ({ childComplexity }) => 1 + VERSIONS_PER_SERVER * Math.max(childComplexity, 1),
  })
  versions(@Parent() server: McpServerModel) {
    return this.versionsService.newestOf(server.id);
  }

  @Mutation(() => McpServerModel)
  @RequireRole(ApiKeyRole.OPERATOR)
  createMcpServer(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateMcpServerInput) {
    return this.serversService.create(actorOf(principal), input);
  }

  @Mutation(() => McpServerModel)
  @RequireRole(ApiKeyRole.OPERATOR)
  updateMcpServer(
    @CurrentPrincipal() principal: Principal,
    @IdArg() id: string,
    @Args('input') input: UpdateMcpServerInput,
  ) {
    return this.serversService.update(actorOf(principal), id, input);
  }

  @Mutation(() => McpServerModel, { description: 'Deletes a server without versions (its route policy goes with it).' })
  @RequireRole(ApiKeyRole.OPERATOR)
  deleteMcpServer(@CurrentPrincipal() principal: Principal, @IdArg() id: string) {
    return this.serversService.delete(actorOf(principal), id);
  }
}
