import { Args, Query, Resolver } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { RequireRole } from '../auth/access.decorators.js';
import { IdArg } from '../graphql/id-arg.js';
import { RunnerConnection, RunnerModel, RunnersArgs } from './runner.model.js';
import { RunnersService } from './runners.service.js';

@Resolver(() => RunnerModel)
export class RunnersResolver {
  constructor(private readonly runnersService: RunnersService) {}

  @Query(() => RunnerConnection)
  @RequireRole(ApiKeyRole.VIEWER)
  runners(@Args() args: RunnersArgs) {
    return this.runnersService.list(args.filter ?? {}, args);
  }

  @Query(() => RunnerModel)
  @RequireRole(ApiKeyRole.VIEWER)
  runner(@IdArg() id: string) {
    return this.runnersService.get(id);
  }
}
