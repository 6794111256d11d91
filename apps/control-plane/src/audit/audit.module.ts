import { Module } from '@nestjs/common';
import { AuditResolver } from './audit.resolver.js';
import { AuditRetention } from './audit-retention.js';
import { ToolInvocationsAuditRepository } from './tool-invocations-audit.repository.js';

/** The tool-call audit log as the admin API shows it (GraphQL `toolInvocations`), and its retention. */
@Module({
  providers: [ToolInvocationsAuditRepository, AuditResolver, AuditRetention],
})
export class AuditModule {}
