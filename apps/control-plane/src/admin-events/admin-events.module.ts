import { Global, Module } from '@nestjs/common';
import { AdminEventsRepository } from './admin-events.repository.js';
import { AdminEventsResolver } from './admin-events.resolver.js';
import { AdminEventsService } from './admin-events.service.js';

@Global()
@Module({
  providers: [AdminEventsRepository, AdminEventsService, AdminEventsResolver],
  exports: [AdminEventsService],
})
export class AdminEventsModule {}
