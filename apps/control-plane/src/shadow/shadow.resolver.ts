import { Args, Context, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ApiKeyRole, type Rollout } from '@switchyard/db';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal, RequestWithPrincipal } from '../auth/principal.js';
import { roleSatisfies } from '../auth/roles.js';
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

  @ResolveField(() => RolloutShadowModel, {
    description: "Example values are fragments of real answers: shown to OPERATOR keys and above; a VIEWER sees the paths with null values.",
  })
  async shadow(@Parent() rollout: Rollout, @Context() context: { req: RequestWithPrincipal }) {
    const view = await this.shadowService.view(rollout);
    const role = context.req.principal?.role;
    if (role !== undefined && roleSatisfies(role, ApiKeyRole.OPERATOR)) return view;
    return { ...view, examples: view.examples.map((example) => ({ ...example, paths: example.paths.map(({ path }) => ({ path, champion: null, challenger: null })) })) };
  }

  @Mutation(() => RolloutModel, { description: 'Replaces the shadow allow-list of a rollout that has not finished (CONFLICT otherwise). Audited.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  updateRolloutShadowTools(@CurrentPrincipal() principal: Principal, @IdArg() id: string, @Args() args: ShadowToolsArgs) {
    return this.shadowService.updateShadowTools(actorOf(principal), id, args.tools);
  }
}
