import { Args, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ApiKeyRole, type Rollout } from '@switchyard/db';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal } from '../auth/principal.js';
import { IdArg } from '../graphql/id-arg.js';
import { RolloutModel } from '../rollouts/rollout.model.js';
import { RolloutShadowModel, ShadowToolsArgs } from './shadow.model.js';
import { ShadowService } from './shadow.service.js';

/** Shadow traffic on the Rollout type: the allow-list, the comparison counts and examples. */
@Resolver(() => RolloutModel)
export class ShadowResolver {
  constructor(private readonly shadowService: ShadowService) {}

  @ResolveField(() => [String], {
    description: 'Tools mirrored to the challenger in SHADOW: an operator decision (a tool\'s readOnlyHint is a hint from the server, not a guarantee).',
  })
  shadowTools(@Parent() rollout: Rollout): string[] {
    return rollout.shadowTools;
  }

  @ResolveField(() => RolloutShadowModel)
  shadow(@Parent() rollout: Rollout) {
    return this.shadowService.view(rollout);
  }

  @Mutation(() => RolloutModel, { description: 'Replaces the shadow allow-list of a rollout that has not finished (CONFLICT otherwise). Audited.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  updateRolloutShadowTools(@CurrentPrincipal() principal: Principal, @IdArg() id: string, @Args() args: ShadowToolsArgs) {
    return this.shadowService.updateShadowTools(actorOf(principal), id, args.tools);
  }
}
