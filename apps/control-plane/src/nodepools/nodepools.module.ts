import { Module } from '@nestjs/common';
import { NodepoolsRepository } from './nodepools.repository.js';
import { NodepoolsResolver } from './nodepools.resolver.js';
import { NodepoolsService } from './nodepools.service.js';

@Module({
  providers: [NodepoolsRepository, NodepoolsService, NodepoolsResolver],
  exports: [NodepoolsService],
})
export class NodepoolsModule {}
