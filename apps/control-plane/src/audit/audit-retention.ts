import { Inject, Injectable, type OnApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { LOGGER } from '../logging/logging.module.js';
import { ToolInvocationsAuditRepository } from './tool-invocations-audit.repository.js';

const DAY_MS = 86_400_000;
/** How often old rows are looked for; retention is in days, so an hour late is nothing. */
const SWEEP_INTERVAL_MS = 3_600_000;
/** The first sweep waits a little after start, so that a fleet restarting at once does not sweep at once. */
const FIRST_SWEEP_MAX_DELAY_MS = 300_000;
/** Rows per DELETE: small enough that each transaction is short beside the gateway's inserts. */
export const RETENTION_BATCH = 5_000;

/** When rows become old enough to go; undefined when they are kept forever (0 days). */
export function retentionCutoff(retentionDays: number, now: number): Date | undefined {
  return retentionDays > 0 ? new Date(now - retentionDays * DAY_MS) : undefined;
}

/**
 * Audit retention (SWITCHYARD_AUDIT_RETENTION_DAYS, default 90, 0 = forever): every hour, rows
 * of tool calls started before the cutoff are deleted in batches. Every replica runs the timer;
 * a Postgres advisory lock lets one delete at a time, and a replica that finds it taken stops
 * its sweep (the other one is doing the work).
 */
@Injectable()
export class AuditRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;
  private stopping = false;
  private readonly log: Logger;

  constructor(
    private readonly repository: ToolInvocationsAuditRepository,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'audit-retention' });
  }

  onApplicationBootstrap(): void {
    if (this.config.auditRetentionDays === 0) return;
    const schedule = (delay: number) => {
      this.timer = setTimeout(() => {
        void this.sweep().finally(() => schedule(SWEEP_INTERVAL_MS));
      }, delay);
      this.timer.unref();
    };
    schedule(Math.floor(Math.random() * FIRST_SWEEP_MAX_DELAY_MS));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sweeping?.catch(() => undefined);
  }

  /** Deletes the rows older than the retention, `batch` rows at a time; resolves with how many went. */
  sweep(now = Date.now(), batch = RETENTION_BATCH): Promise<number> {
    this.sweeping ??= this.deleteOld(now, batch).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async deleteOld(now: number, batchSize: number): Promise<number> {
    const cutoff = retentionCutoff(this.config.auditRetentionDays, now);
    if (cutoff === undefined) return 0;
    let deleted = 0;
    try {
      for (;;) {
        const batch = await this.repository.deleteBatchStartedBefore(cutoff, batchSize);
        if (batch === undefined) break; // another replica is sweeping
        deleted += batch;
        if (batch < batchSize || this.stopping) break;
      }
    } catch (error) {
      this.log.warn({ err: (error as Error).message, deleted }, 'audit retention sweep failed; the next one continues');
    }
    if (deleted > 0) this.log.info({ deleted, cutoff: cutoff.toISOString() }, 'old tool-call audit rows deleted');
    return deleted;
  }
}
