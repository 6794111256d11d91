import { Inject, Injectable } from '@nestjs/common';
import { RunnerStatus } from '@switchyard/db';
import { controlMessageSchema, DomainError, encode, ErrorCode, RUNNER_PROTOCOL_VERSION, subjects } from '@switchyard/protocol';
import type { Logger } from 'pino';
import type { Actor } from '../admin-events/actor.js';
import { AdminEventsService } from '../admin-events/admin-events.service.js';
import { NatsLink } from '../connections/nats-link.js';
import { LOGGER } from '../logging/logging.module.js';
import { RunnerEvents } from './runner-events.js';
import { RunnersRepository } from './runners.repository.js';
import { RunnersService, type RunnerView } from './runners.service.js';

const NATS_TIMEOUT_MS = 5_000;

/**
 * Drains a runner on an operator's word (maintenance, an upgrade): it takes no new sessions or
 * requests, lets in-flight calls finish, and placement moves its replicas to other runners at
 * once. It stays connected and DRAINING until its process restarts (`systemctl restart`), which is
 * how it comes back into service.
 */
@Injectable()
export class RunnerDrainService {
  constructor(
    private readonly repository: RunnersRepository,
    private readonly runnerViews: RunnersService,
    private readonly adminEvents: AdminEventsService,
    private readonly nats: NatsLink,
    private readonly events: RunnerEvents,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async drain(actor: Actor, id: string, graceSeconds: number): Promise<RunnerView> {
    const runner = await this.repository.findRunner(id);
    if (!runner) throw DomainError.notFound('Runner', id);
    if (runner.status === RunnerStatus.DRAINING) return this.runnerViews.get(id);
    if (runner.revokedAt || runner.fencedAt) throw DomainError.conflict(`Runner ${id} is ${runner.revokedAt ? 'revoked' : 'fenced'}: it serves nothing to drain`);
    if (runner.status === RunnerStatus.OFFLINE) throw DomainError.conflict(`Runner ${id} is OFFLINE: it serves nothing to drain (its replicas have moved already)`);

    // Tell the runner first: a DRAINING row for a runner that never heard of it would route nothing
    // to a runner that still takes calls, and only its next heartbeat would put it back.
    const connection = await this.nats.connected(NATS_TIMEOUT_MS).catch((error: Error) => {
      throw new DomainError(ErrorCode.UPSTREAM_FAILED, `cannot reach NATS to tell runner ${id} to drain: ${error.message}`);
    });
    connection.publish(subjects.runCtl(id), encode(controlMessageSchema, { v: RUNNER_PROTOCOL_VERSION, type: 'drain', graceMs: graceSeconds * 1000 }));
    await connection.flush();

    const marked = await this.adminEvents.transaction(async (tx) => {
      const changed = await this.repository.markDraining(tx, id);
      if (changed) await this.adminEvents.record(tx, actor, 'runner.drain', 'Runner', id, { name: runner.name, nodepoolId: runner.nodepoolId, graceSeconds });
      return changed;
    });
    if (marked) {
      this.logger.info({ runnerId: id, actor: actor.name, graceSeconds }, 'runner drain requested');
      this.events.statusChanged(id, RunnerStatus.DRAINING);
    }
    return this.runnerViews.get(id);
  }
}
