import { Args, Query, Resolver } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { RequireRole } from '../auth/access.decorators.js';
import { ToolInvocationConnection, ToolInvocationModel, ToolInvocationsArgs } from './tool-invocation.model.js';
import { ToolInvocationsAuditRepository } from './tool-invocations-audit.repository.js';

@Resolver(() => ToolInvocationModel)
export class AuditResolver {
  constructor(private readonly repository: ToolInvocationsAuditRepository) {}

  /**
   * OPERATOR, not VIEWER: the rows tie keys to what they did and when, which is more than a
   * read-only dashboard needs. Not ADMIN only: operators are who investigate failed calls and
   * rollouts, and the rows hold no arguments (an HMAC) and no secrets.
   */
  @Query(() => ToolInvocationConnection, { description: 'The tool-call audit log (every call through the gateway, refused ones too), newest first. Operators and admins.' })
  @RequireRole(ApiKeyRole.OPERATOR)
  toolInvocations(@Args() args: ToolInvocationsArgs) {
    return this.repository.page(args.filter ?? {}, args);
  }
}
