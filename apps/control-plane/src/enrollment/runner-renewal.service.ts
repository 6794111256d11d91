import { Inject, Injectable } from '@nestjs/common';
import { RUNNER_PROTOCOL_VERSION, type RenewRequest, type RenewResponse } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logging.module.js';
import { RunnerCredentialsService } from '../nats-auth/runner-credentials.service.js';
import { EnrolledRunnersRepository } from './enrolled-runners.repository.js';

type Refusal = Extract<RenewResponse, { status: 'refused' }>['error'];

const refused = (error: Refusal): RenewResponse => ({ v: RUNNER_PROTOCOL_VERSION, status: 'refused', error });

/**
 * A fresh JWT for a runner that may still have one. `runnerId` must come from the subject the
 * request arrived on (the server only lets runner X publish under `sy.cp.X.>`), never from the body;
 * the JWT is signed for the key stored at enrollment, never for a key the request names.
 */
@Injectable()
export class RunnerRenewalService {
  constructor(
    private readonly runners: EnrolledRunnersRepository,
    private readonly credentials: RunnerCredentialsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async renew(runnerId: string, request: RenewRequest, now = new Date()): Promise<RenewResponse> {
    const response = await this.runners.transaction(async (tx): Promise<RenewResponse> => {
      // Holding the row lock while signing orders this renewal before any revocation (see lockRenewable).
      if (!(await this.runners.lockRenewable(tx, runnerId, now))) {
        const runner = await this.runners.findById(runnerId, tx);
        if (!runner) return refused({ code: 'UNKNOWN_RUNNER', message: 'No runner with this id is enrolled; enroll again' });
        if (runner.revokedAt) return refused({ code: 'REVOKED', message: `This runner was revoked at ${runner.revokedAt.toISOString()}; enroll again with a new token` });
        return refused({ code: 'FENCED', message: 'This runner is fenced (its credential was seen connected twice); an operator must clear it' });
      }
      const runner = await this.runners.findById(runnerId, tx);
      if (!runner) return refused({ code: 'UNKNOWN_RUNNER', message: 'No runner with this id is enrolled; enroll again' });
      if (request.publicKey !== undefined && request.publicKey !== runner.publicKey) {
        return refused({ code: 'UNKNOWN_RUNNER', message: 'The key this runner holds is not the one it enrolled with; enroll again' });
      }
      const { jwt, expiresAt } = await this.credentials.issueRunnerJwt({ runnerId, runnerPublicKey: runner.publicKey }, now);
      return { v: RUNNER_PROTOCOL_VERSION, status: 'renewed', userJwt: jwt, jwtExpiresAt: expiresAt.toISOString() };
    });
    if (response.status === 'renewed') {
      this.logger.info({ runnerId, previousExpiry: request.currentJwtExpiresAt, jwtExpiresAt: response.jwtExpiresAt }, 'runner JWT renewed');
    } else {
      this.logger.warn({ runnerId, code: response.error.code }, 'runner JWT renewal refused');
    }
    return response;
  }
}
