import { Args, Int, Mutation, Resolver } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { DomainError } from '@switchyard/protocol';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal } from '../auth/principal.js';
import { IdArg } from '../graphql/id-arg.js';
import { RunnerDrainService } from './runner-drain.service.js';
import { RunnerModel } from './runner.model.js';

const MAX_GRACE_SECONDS = 3600;

@Resolver(() => RunnerModel)
export class RunnerDrainResolver {
  constructor(private readonly drains: RunnerDrainService) {}

  @Mutation(() => RunnerModel, {
    description:
      'Drains a runner: it takes no new sessions or requests, in-flight calls get `graceSeconds` to finish, and its replicas are placed on other runners at once. It stays DRAINING until its process restarts. Draining a DRAINING runner changes nothing; an OFFLINE, revoked or fenced runner is a CONFLICT.',
  })
  @RequireRole(ApiKeyRole.OPERATOR)
  drainRunner(
    @CurrentPrincipal() principal: Principal,
    @IdArg() id: string,
    @Args('graceSeconds', { type: () => Int, defaultValue: 30, description: `Time for in-flight calls, 0–${MAX_GRACE_SECONDS} seconds.` }) graceSeconds: number,
  ) {
    if (graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) throw DomainError.badInput([{ path: 'graceSeconds', message: `must be 0 to ${MAX_GRACE_SECONDS}` }]);
    return this.drains.drain(actorOf(principal), id, graceSeconds);
  }
}
