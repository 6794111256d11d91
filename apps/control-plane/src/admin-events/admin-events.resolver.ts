import { Args, Query, Resolver } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { RequireRole } from '../auth/access.decorators.js';
import { AdminEventConnection, AdminEventModel, AdminEventsArgs } from './admin-event.model.js';
import { AdminEventsService } from './admin-events.service.js';

@Resolver(() => AdminEventModel)
export class AdminEventsResolver {
  constructor(private readonly adminEventsService: AdminEventsService) {}

  @Query(() => AdminEventConnection, { description: 'The audit log of admin API mutations, newest first. Admins only.' })
  @RequireRole(ApiKeyRole.ADMIN)
  adminEvents(@Args() args: AdminEventsArgs) {
    return this.adminEventsService.list(args.filter ?? {}, args);
  }
}
