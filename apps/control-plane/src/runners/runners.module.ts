import { Module } from '@nestjs/common';
import { RunnersRepository } from './runners.repository.js';
import { RunnersResolver } from './runners.resolver.js';
import { RunnersService } from './runners.service.js';

@Module({
  providers: [RunnersRepository, RunnersService, RunnersResolver],
  exports: [RunnersService],
})
export class RunnersModule {}
