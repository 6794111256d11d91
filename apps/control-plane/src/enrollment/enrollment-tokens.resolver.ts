import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal } from '../auth/principal.js';
import { IdArg } from '../graphql/id-arg.js';
import {
  CreateEnrollmentTokenInput,
  CreatedEnrollmentToken,
  EnrollmentTokenConnection,
  EnrollmentTokenModel,
  EnrollmentTokensArgs,
} from './enrollment-token.model.js';
import { EnrollmentTokensService } from './enrollment-tokens.service.js';

@Resolver(() => EnrollmentTokenModel)
export class EnrollmentTokensResolver {
  constructor(private readonly enrollmentTokensService: EnrollmentTokensService) {}

  @Query(() => EnrollmentTokenConnection, { description: 'Enrollment tokens (never the tokens themselves).' })
  @RequireRole(ApiKeyRole.VIEWER)
  enrollmentTokens(@Args() args: EnrollmentTokensArgs) {
    return this.enrollmentTokensService.list(args.filter ?? {}, args);
  }

  @Query(() => EnrollmentTokenModel)
  @RequireRole(ApiKeyRole.VIEWER)
  enrollmentToken(@IdArg() id: string) {
    return this.enrollmentTokensService.get(id);
  }

  @Mutation(() => CreatedEnrollmentToken, { description: 'Creates a one-time token for enrolling one runner; returned once.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  createEnrollmentToken(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateEnrollmentTokenInput) {
    return this.enrollmentTokensService.create(actorOf(principal), input);
  }

  @Mutation(() => EnrollmentTokenModel, { description: 'Revokes an unused token at once. Revoking twice is harmless.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  revokeEnrollmentToken(@CurrentPrincipal() principal: Principal, @IdArg() id: string) {
    return this.enrollmentTokensService.revoke(actorOf(principal), id);
  }

  @Mutation(() => EnrollmentTokenModel, { description: 'Deletes a token in any state (a runner it enrolled stays).' })
  @RequireRole(ApiKeyRole.OPERATOR)
  deleteEnrollmentToken(@CurrentPrincipal() principal: Principal, @IdArg() id: string) {
    return this.enrollmentTokensService.delete(actorOf(principal), id);
  }
}
