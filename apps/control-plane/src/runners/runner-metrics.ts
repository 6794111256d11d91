import { Inject, Injectable } from '@nestjs/common';
import { RunnerStatus } from '@switchyard/db';
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import { LOGGER } from '../logging/logging.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RunnersRepository } from './runners.repository.js';

/** Why a heartbeat changed nothing (label values of switchyard_runner_heartbeats_ignored_total). */
export type IgnoredHeartbeat = 'invalid' | 'unknown-runner' | 'revoked' | 'fenced' | 'reordered' | 'not-connected';

@Injectable()
export class RunnerMetrics {
  readonly heartbeats: Counter;
  readonly ignoredHeartbeats: Counter<'reason'>;
  readonly disconnects: Counter<'reason'>;
  readonly fenced: Counter;

  constructor(metrics: MetricsService, repository: RunnersRepository, @Inject(LOGGER) logger: Logger) {
    const registers = [metrics.registry];
    this.heartbeats = new Counter({ name: 'switchyard_runner_heartbeats_total', help: 'Runner heartbeats applied', registers });
    this.ignoredHeartbeats = new Counter({
      name: 'switchyard_runner_heartbeats_ignored_total',
      help: 'Runner heartbeats ignored: invalid, from unknown, revoked or fenced runners, older than one already applied, or from a runner without a NATS connection',
      labelNames: ['reason'] as const,
      registers,
    });
    this.disconnects = new Counter({
      name: 'switchyard_runner_disconnects_total',
      help: "Runners that lost their last NATS connection, by nats-server's reason",
      labelNames: ['reason'] as const,
      registers,
    });
    this.fenced = new Counter({ name: 'switchyard_runners_fenced_total', help: 'Runners fenced by this replica for a credential connected twice', registers });

    // Read at scrape time from Postgres, so every replica reports the same numbers.
    new Gauge({
      name: 'switchyard_runners',
      help: 'Runners by status (revoked runners not counted)',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        try {
          const counts = await repository.countByStatus();
          for (const status of Object.values(RunnerStatus)) this.set({ status }, counts.get(status) ?? 0);
        } catch (error) {
          // A scrape must not fail because Postgres is away; the last values stay.
          logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not count runners for /metrics');
        }
      },
    });
  }
}
