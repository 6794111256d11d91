import { Module } from '@nestjs/common';
import { ServerVersionsResolver } from './server-versions.resolver.js';
import { ServerVersionsService } from './server-versions.service.js';
import { ServersRepository } from './servers.repository.js';
import { ServersResolver } from './servers.resolver.js';
import { ServersService } from './servers.service.js';

/** MCP servers and their versions: a version means nothing without its server, so they share a module. */
@Module({
  providers: [ServersRepository, ServersService, ServerVersionsService, ServersResolver, ServerVersionsResolver],
  exports: [ServersService, ServerVersionsService],
})
export class ServersModule {}
