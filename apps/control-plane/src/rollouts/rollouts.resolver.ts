import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ApiKeyRole, type Rollout } from '@switchyard/db';
import type { RolloutCommandName } from '@switchyard/rollout';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal } from '../auth/principal.js';
import { IdArg } from '../graphql/id-arg.js';
import { PageArgs } from '../graphql/pagination.js';
import { McpServerVersionModel } from '../servers/server-version.model.js';
import { ServerVersionsService } from '../servers/server-versions.service.js';
import { McpServerModel } from '../servers/server.model.js';
import { ServersService } from '../servers/servers.service.js';
import {
  RolloutCommandArgs,
  RolloutConnection,
  RolloutEventConnection,
  RolloutEventsArgs,
  RolloutModel,
  RolloutsArgs,
  StartRolloutInput,
  VersionShareModel,
} from './rollout.model.js';
import { RolloutsService } from './rollouts.service.js';

const COMMAND_ERRORS = 'Refused with CONFLICT when the rollout is in a phase that does not allow it (e.g. already finished).';

@Resolver(() => RolloutModel)
export class RolloutsResolver {
  constructor(
    private readonly rolloutsService: RolloutsService,
    private readonly servers: ServersService,
    private readonly versions: ServerVersionsService,
  ) {}

  @Query(() => RolloutModel)
  @RequireRole(ApiKeyRole.VIEWER)
  rollout(@IdArg() id: string) {
    return this.rolloutsService.get(id);
  }

  @Query(() => RolloutConnection, { description: 'Newest first.' })
  @RequireRole(ApiKeyRole.VIEWER)
  rollouts(@Args() args: RolloutsArgs) {
    return this.rolloutsService.list(args.filter ?? {}, args);
  }

  @Query(() => RolloutEventConnection, {
    description: 'Rollout events since a time, oldest first: poll it for live updates (then continue with `after: pageInfo.endCursor`).',
  })
  @RequireRole(ApiKeyRole.VIEWER)
  rolloutEvents(@Args() args: RolloutEventsArgs) {
    return this.rolloutsService.events({ since: args.since, rolloutId: args.rolloutId }, args);
  }

  @ResolveField(() => [VersionShareModel], { description: 'Traffic shares by version, champion first; they sum to 1.' })
  weights(@Parent() rollout: Rollout) {
    return this.rolloutsService.sharesOf(rollout);
  }

  @ResolveField(() => RolloutEventConnection, { description: 'The history of this rollout, oldest first.' })
  events(@Parent() rollout: Rollout, @Args() page: PageArgs) {
    return this.rolloutsService.eventsOf(rollout, page);
  }

  @ResolveField(() => McpServerModel)
  server(@Parent() rollout: Rollout) {
    return this.servers.get(rollout.serverId);
  }

  @ResolveField(() => McpServerVersionModel)
  champion(@Parent() rollout: Rollout) {
    return this.versions.get(rollout.championVersionId);
  }

  @ResolveField(() => McpServerVersionModel)
  challenger(@Parent() rollout: Rollout) {
    return this.versions.get(rollout.challengerVersionId);
  }

  @Mutation(() => RolloutModel, {
    description: 'Starts a rollout in PILOT (the challenger gets no traffic until advanced). CONFLICT when the server already has an active rollout.',
  })
  @RequireRole(ApiKeyRole.OPERATOR)
  startRollout(@CurrentPrincipal() principal: Principal, @Args('input') input: StartRolloutInput) {
    return this.rolloutsService.start(actorOf(principal), input);
  }

  @Mutation(() => RolloutModel, { description: `Holds the phase and its weights; the analysis still rolls back on a breach. ${COMMAND_ERRORS}` })
  @RequireRole(ApiKeyRole.OPERATOR)
  pauseRollout(@CurrentPrincipal() principal: Principal, @IdArg() id: string, @Args() args: RolloutCommandArgs) {
    return this.command(principal, id, 'pause', args);
  }

  @Mutation(() => RolloutModel, { description: `Returns a PAUSED rollout to its phase. ${COMMAND_ERRORS}` })
  @RequireRole(ApiKeyRole.OPERATOR)
  resumeRollout(@CurrentPrincipal() principal: Principal, @IdArg() id: string, @Args() args: RolloutCommandArgs) {
    return this.command(principal, id, 'resume', args);
  }

  @Mutation(() => RolloutModel, { description: `Moves to the next rung, ignoring the gates (in CANARY: skips the remaining steps). ${COMMAND_ERRORS}` })
  @RequireRole(ApiKeyRole.OPERATOR)
  advanceRollout(@CurrentPrincipal() principal: Principal, @IdArg() id: string, @Args() args: RolloutCommandArgs) {
    return this.command(principal, id, 'advance', args);
  }

  @Mutation(() => RolloutModel, { description: `Promotes the challenger now: it gets all traffic. ${COMMAND_ERRORS}` })
  @RequireRole(ApiKeyRole.OPERATOR)
  promoteRollout(@CurrentPrincipal() principal: Principal, @IdArg() id: string, @Args() args: RolloutCommandArgs) {
    return this.command(principal, id, 'promoteNow', args);
  }

  @Mutation(() => RolloutModel, { description: `Stops the rollout for a reason other than the challenger's quality; the champion gets all traffic. ${COMMAND_ERRORS}` })
  @RequireRole(ApiKeyRole.OPERATOR)
  abortRollout(@CurrentPrincipal() principal: Principal, @IdArg() id: string, @Args() args: RolloutCommandArgs) {
    return this.command(principal, id, 'abort', args);
  }

  @Mutation(() => RolloutModel, { description: `The challenger was found wanting: the champion gets all traffic from the next request on. ${COMMAND_ERRORS}` })
  @RequireRole(ApiKeyRole.OPERATOR)
  rollbackRollout(@CurrentPrincipal() principal: Principal, @IdArg() id: string, @Args() args: RolloutCommandArgs) {
    return this.command(principal, id, 'rollback', args);
  }

  private command(principal: Principal, id: string, command: RolloutCommandName, args: RolloutCommandArgs) {
    return this.rolloutsService.command(actorOf(principal), id, command, args.reason);
  }
}
