import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@switchyard/protocol';
import type { Logger } from 'pino';
import type { Actor } from '../admin-events/actor.js';
import { AdminEventsService } from '../admin-events/admin-events.service.js';
import { LOGGER } from '../logging/logging.module.js';
import { RunnerCredentialsService } from '../nats-auth/runner-credentials.service.js';
import { RunnersService, type RunnerView } from '../runners/runners.service.js';
import { EnrolledRunnersRepository } from './enrolled-runners.repository.js';

/**
 * Cuts a runner off for good: renewals are refused from the database mark on, and the NATS
 * revocation closes its live connection and refuses every JWT issued to its key until now.
 */
@Injectable()
export class RunnerRevocationService {
  constructor(
    private readonly runners: EnrolledRunnersRepository,
    private readonly runnerViews: RunnersService,
    private readonly credentials: RunnerCredentialsService,
    private readonly adminEvents: AdminEventsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Marks first, then pushes to NATS. The other order could leave a runner cut from NATS but still
   * renewable, and a JWT renewed after a revocation is not covered by it. The NATS timestamp is
   * taken after the mark commits; the mark waits for any renewal holding the runner's row, so every
   * JWT ever issued to the key is at or before it. Revoking again pushes again (a retry after a
   * failed push) and keeps the first revokedAt.
   */
  async revoke(actor: Actor, id: string, now = new Date()): Promise<RunnerView> {
    const runner = await this.runners.transaction(async (tx) => {
      const revoked = await this.runners.markRevoked(tx, id, now);
      if (!revoked) throw DomainError.notFound('Runner', id);
      await this.adminEvents.record(tx, actor, 'runner.revoke', 'Runner', id, {
        name: revoked.name,
        nodepoolId: revoked.nodepoolId,
        publicKey: revoked.publicKey,
        revokedAt: revoked.revokedAt?.toISOString(),
      });
      return revoked;
    });
    try {
      await this.credentials.revokeRunnerKey(runner.publicKey, new Date());
    } catch (error) {
      this.logger.error({ runnerId: id, err: (error as Error).message }, 'runner marked revoked but the NATS revocation failed');
      throw new DomainError(
        ErrorCode.UPSTREAM_FAILED,
        `Runner ${id} is marked revoked (its renewals are refused) but NATS did not confirm the revocation, so a live connection may remain until its JWT expires: ${(error as Error).message}. Run revokeRunner again.`,
      );
    }
    this.logger.info({ runnerId: id, actor: actor.name }, 'runner revoked');
    return this.runnerViews.get(id);
  }
}
