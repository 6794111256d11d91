import { Inject, Injectable } from '@nestjs/common';
import { isUniqueViolation, RunnerStatus } from '@switchyard/db';
import { DomainError, RUNNER_PROTOCOL_VERSION, subjects, type EnrollRequest, type EnrollResponse } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { AdminEventsService } from '../admin-events/admin-events.service.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { LOGGER } from '../logging/logging.module.js';
import { RunnerCredentialsService } from '../nats-auth/runner-credentials.service.js';
import { EnrolledRunnersRepository } from './enrolled-runners.repository.js';
import { EnrollmentTokensService } from './enrollment-tokens.service.js';

/**
 * `POST /v1/runners/enroll`: a one-time token buys one Runner row and its first NATS JWT. The
 * token is the caller's only credential, so it is never logged or stored (only its prefix is).
 */
@Injectable()
export class RunnerEnrollmentService {
  constructor(
    private readonly runners: EnrolledRunnersRepository,
    private readonly tokens: EnrollmentTokensService,
    private readonly credentials: RunnerCredentialsService,
    private readonly adminEvents: AdminEventsService,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * One transaction: spend the token, create the runner, record it on the token, audit, sign its
   * JWT. Any failure (a name clash, a key enrolled before) rolls all of it back, so the token
   * stays usable for a corrected retry. Signing happens inside so that a runner never exists
   * without having received its credential.
   */
  async enroll(request: EnrollRequest, now = new Date()): Promise<EnrollResponse> {
    let response: EnrollResponse;
    try {
      response = await this.runners.transaction(async (tx) => {
        const token = await this.tokens.consume(request.token, now, tx);
        if (await this.runners.findByName(tx, token.nodepoolId, request.name)) {
          throw DomainError.conflict(
            `A runner named "${request.name}" already exists in this nodepool; enroll with another name (--name or the config's "name") or delete the old runner first`,
            { name: request.name },
          );
        }
        if (await this.runners.findByPublicKey(tx, request.publicKey)) {
          throw DomainError.conflict('This public key is already enrolled; every enrollment must use a fresh key pair');
        }
        const runner = await this.runners.create(tx, {
          nodepoolId: token.nodepoolId,
          name: request.name,
          publicKey: request.publicKey,
          version: request.softwareVersion,
          capacity: request.capacity,
          labels: request.labels,
          status: RunnerStatus.ENROLLED,
          enrolledAt: now,
        });
        await this.tokens.recordRunner(tx, token.tokenId, runner.id);
        // The token's creator is accountable for what the token let in.
        const actor = { keyId: token.createdByKeyId, name: `enrollment-token:${token.prefix}` };
        await this.adminEvents.record(tx, actor, 'runner.enroll', 'Runner', runner.id, {
          name: runner.name,
          nodepoolId: runner.nodepoolId,
          hostname: request.hostname,
          softwareVersion: request.softwareVersion,
          publicKey: runner.publicKey,
          enrollmentTokenId: token.tokenId,
        });
        const { jwt, expiresAt } = await this.credentials.issueRunnerJwt({ runnerId: runner.id, runnerPublicKey: runner.publicKey }, now);
        return {
          v: RUNNER_PROTOCOL_VERSION,
          runnerId: runner.id,
          userJwt: jwt,
          natsUrls: [...this.config.natsPublicUrls],
          ...(this.config.natsCaPem ? { caPem: this.config.natsCaPem } : {}),
          jwtExpiresAt: expiresAt.toISOString(),
          inboxPrefix: subjects.runnerInboxPrefix(runner.id),
        };
      });
    } catch (error) {
      // Two enrollments racing for one name (or key): the loser hits the unique index instead of
      // the check above; same answer.
      if (isUniqueViolation(error)) throw DomainError.conflict(`A runner named "${request.name}" or with this public key already exists in this nodepool`);
      throw error;
    }
    this.logger.info({ runnerId: response.runnerId, name: request.name, hostname: request.hostname }, 'runner enrolled');
    return response;
  }
}
