import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { IdArg } from '../graphql/id-arg.js';
import { ApiKeyRole } from '@switchyard/db';
import { actorOf } from '../admin-events/actor.js';
import { CurrentPrincipal, RequireRole } from '../auth/access.decorators.js';
import type { Principal } from '../auth/principal.js';
import {
  ApiKeyConnection,
  ApiKeyModel,
  ApiKeysArgs,
  CreateApiKeyInput,
  CreatedApiKey,
  UpdateApiKeyInput,
} from './api-key.model.js';
import { ApiKeysService } from './api-keys.service.js';

@Resolver(() => ApiKeyModel)
export class ApiKeysResolver {
  constructor(private readonly apiKeysService: ApiKeysService) {}

  @Query(() => ApiKeyConnection, { description: 'API keys (never the secrets). Admins only.' })
  @RequireRole(ApiKeyRole.ADMIN)
  apiKeys(@Args() args: ApiKeysArgs) {
    return this.apiKeysService.list(args.filter ?? {}, args);
  }

  @Query(() => ApiKeyModel)
  @RequireRole(ApiKeyRole.ADMIN)
  apiKey(@IdArg() id: string) {
    return this.apiKeysService.get(id);
  }

  @Query(() => ApiKeyModel, { description: 'The key making this request.' })
  @RequireRole(ApiKeyRole.VIEWER)
  whoami(@CurrentPrincipal() principal: Principal) {
    return this.apiKeysService.get(principal.keyId);
  }

  @Mutation(() => CreatedApiKey, { description: 'Creates a key; the secret is returned once.' })
  @RequireRole(ApiKeyRole.ADMIN)
  createApiKey(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateApiKeyInput) {
    return this.apiKeysService.create(actorOf(principal), input);
  }

  @Mutation(() => ApiKeyModel)
  @RequireRole(ApiKeyRole.ADMIN)
  updateApiKey(
    @CurrentPrincipal() principal: Principal,
    @IdArg() id: string,
    @Args('input') input: UpdateApiKeyInput,
  ) {
    return this.apiKeysService.update(actorOf(principal), id, input);
  }

  @Mutation(() => ApiKeyModel, { description: 'Revokes a key at once; it stops working on the next request.' })
  @RequireRole(ApiKeyRole.ADMIN)
  revokeApiKey(@CurrentPrincipal() principal: Principal, @IdArg() id: string) {
    return this.apiKeysService.revoke(actorOf(principal), id);
  }

  @Mutation(() => ApiKeyModel)
  @RequireRole(ApiKeyRole.ADMIN)
  deleteApiKey(@CurrentPrincipal() principal: Principal, @IdArg() id: string) {
    return this.apiKeysService.delete(actorOf(principal), id);
  }
}
