import { Mutation, Resolver } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal } from '../auth/principal.js';
import { IdArg } from '../graphql/id-arg.js';
import { RunnerModel } from '../runners/runner.model.js';
import { RunnerRevocationService } from './runner-revocation.service.js';

@Resolver(() => RunnerModel)
export class RunnerRevocationResolver {
  constructor(private readonly revocation: RunnerRevocationService) {}

  @Mutation(() => RunnerModel, {
    description:
      'Revokes a runner: it goes OFFLINE, its live NATS connection is cut within a second, and neither its credential nor a renewal works again. The host must enroll anew (new token, new key). Revoking twice is harmless.',
  })
  @RequireRole(ApiKeyRole.OPERATOR)
  revokeRunner(@CurrentPrincipal() principal: Principal, @IdArg() id: string) {
    return this.revocation.revoke(actorOf(principal), id);
  }
}
