import { Module } from '@nestjs/common';
import { NatsAuthModule } from '../nats-auth/nats-auth.module.js';
import { NodepoolsModule } from '../nodepools/nodepools.module.js';
import { RunnersModule } from '../runners/runners.module.js';
import { EnrolledRunnersRepository } from './enrolled-runners.repository.js';
import { EnrollmentTokensRepository } from './enrollment-tokens.repository.js';
import { EnrollmentTokensResolver } from './enrollment-tokens.resolver.js';
import { EnrollmentTokensService } from './enrollment-tokens.service.js';
import { RunnerEnrollmentController } from './runner-enrollment.controller.js';
import { RunnerEnrollmentService } from './runner-enrollment.service.js';
import { RunnerRenewalResponder } from './runner-renewal.responder.js';
import { RunnerRenewalService } from './runner-renewal.service.js';
import { RunnerRevocationResolver } from './runner-revocation.resolver.js';
import { RunnerRevocationService } from './runner-revocation.service.js';

/**
 * A runner's credential lifecycle: enrollment tokens (GraphQL), enrollment (HTTPS), JWT renewal
 * (NATS) and revocation (GraphQL).
 */
@Module({
  imports: [NodepoolsModule, RunnersModule, NatsAuthModule],
  controllers: [RunnerEnrollmentController],
  providers: [
    EnrollmentTokensRepository,
    EnrollmentTokensService,
    EnrollmentTokensResolver,
    EnrolledRunnersRepository,
    RunnerEnrollmentService,
    RunnerRenewalService,
    RunnerRenewalResponder,
    RunnerRevocationService,
    RunnerRevocationResolver,
  ],
  exports: [EnrollmentTokensService],
})
export class EnrollmentModule {}
