import { Module } from '@nestjs/common';
import { NodepoolsModule } from '../nodepools/nodepools.module.js';
import { EnrollmentTokensRepository } from './enrollment-tokens.repository.js';
import { EnrollmentTokensResolver } from './enrollment-tokens.resolver.js';
import { EnrollmentTokensService } from './enrollment-tokens.service.js';

/** Enrollment tokens now; the runner enrollment endpoint joins this module later. */
@Module({
  imports: [NodepoolsModule],
  providers: [EnrollmentTokensRepository, EnrollmentTokensService, EnrollmentTokensResolver],
  exports: [EnrollmentTokensService],
})
export class EnrollmentModule {}
