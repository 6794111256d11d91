import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal } from '../auth/principal.js';
import { IdArg } from '../graphql/id-arg.js';
import { CreateSecretInput, SecretConnection, SecretModel, SecretsArgs, UpdateSecretInput } from './secret.model.js';
import { SecretsService } from './secrets.service.js';

@Resolver(() => SecretModel)
export class SecretsResolver {
  constructor(private readonly secretsService: SecretsService) {}

  @Query(() => SecretConnection, { description: 'Secrets (names and descriptions; values are never shown).' })
  @RequireRole(ApiKeyRole.VIEWER)
  secrets(@Args() args: SecretsArgs) {
    return this.secretsService.list(args.filter ?? {}, args);
  }

  @Query(() => SecretModel)
  @RequireRole(ApiKeyRole.VIEWER)
  secret(@IdArg() id: string) {
    return this.secretsService.get(id);
  }

  @Mutation(() => SecretModel, { description: 'Stores a secret encrypted. The value cannot be read back.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  createSecret(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateSecretInput) {
    return this.secretsService.create(actorOf(principal), input);
  }

  @Mutation(() => SecretModel, { description: 'Replaces the value and/or the description.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  updateSecret(@CurrentPrincipal() principal: Principal, @IdArg() id: string, @Args('input') input: UpdateSecretInput) {
    return this.secretsService.update(actorOf(principal), id, input);
  }

  @Mutation(() => SecretModel, { description: 'Deletes a secret no server version refers to.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  deleteSecret(@CurrentPrincipal() principal: Principal, @IdArg() id: string) {
    return this.secretsService.delete(actorOf(principal), id);
  }
}
