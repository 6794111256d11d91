import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { REDIS } from '../connections/connections.module.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { LOGGER } from '../logging/logging.module.js';
import { RolloutAnalysisService } from './rollout-analysis.service.js';

export const ROLLOUT_ANALYSIS_QUEUE = 'rollout-analysis';
const SCHEDULER_ID = 'analyze-active-rollouts';

/**
 * Replicas of one installation share a database; so do their queues. Naming the queue space after
 * the database keeps installations (and test databases) that share a Redis apart.
 */
export function queuePrefixFor(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, '')) || 'postgres';
  return `switchyard:${name}`;
}

/**
 * Runs the rollout analysis every SWITCHYARD_ROLLOUT_ANALYSIS_SECONDS. Every replica upserts the
 * same BullMQ job scheduler (idempotent: one scheduler, one job per interval however many replicas)
 * and runs a worker; BullMQ hands each job to one worker. A job redelivered after a stall, or a
 * manual run, is harmless: each rollout records the tick it last applied, under its row lock.
 */
@Injectable()
export class RolloutAnalysisScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private queue?: Queue;
  private worker?: Worker;
  private stopped = false;
  private markScheduled!: () => void;
  /** Settles once this replica has checked (and if needed set) the schedule in Redis. */
  readonly scheduled = new Promise<void>((resolve) => (this.markScheduled = resolve));

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly analysis: RolloutAnalysisService,
  ) {}

  /**
   * Starts once Redis is reachable (the shared connection says so): BullMQ's own connections
   * retry forever, and a queue that never connected cannot be closed without waiting for it.
   */
  onApplicationBootstrap(): void {
    if (this.redis.status === 'ready') this.start();
    else this.redis.once('ready', this.startOnReady);
  }

  private readonly startOnReady = () => this.start();

  private start(): void {
    if (this.stopped) return;
    // BullMQ's workers block on Redis, so they need connections that retry forever (null).
    const connection = { url: this.config.redisUrl, maxRetriesPerRequest: null, connectionName: 'switchyard-rollout-analysis' };
    const prefix = queuePrefixFor(this.config.databaseUrl);
    this.queue = new Queue(ROLLOUT_ANALYSIS_QUEUE, { connection, prefix, defaultJobOptions: { removeOnComplete: 50, removeOnFail: 50 } });
    this.queue.on('error', (error) => this.logger.warn({ err: error.message }, 'rollout analysis queue: Redis error'));
    this.worker = new Worker(ROLLOUT_ANALYSIS_QUEUE, (job) => this.run(job), { connection, prefix, concurrency: 1 });
    this.worker.on('error', (error) => this.logger.warn({ err: error.message }, 'rollout analysis worker: Redis error'));
    this.worker.on('failed', (job, error) => this.logger.error({ jobId: job?.id, err: error.message }, 'rollout analysis run failed'));
    // Not awaited: nothing at startup waits on Redis.
    this.schedule(this.queue).then(this.markScheduled, (error: Error) => this.logger.error({ err: error.message }, 'could not schedule the rollout analysis'));
  }

  /**
   * Upserting an existing scheduler restarts its interval from now, so a replica joining would
   * shift every tick; an unchanged schedule is left alone. (Two replicas upserting at the same
   * moment only shift it once; ticks stay distinct, and each is applied once.)
   */
  private async schedule(queue: Queue): Promise<void> {
    const every = this.config.rolloutAnalysisSeconds * 1000;
    const existing = await queue.getJobScheduler(SCHEDULER_ID);
    if (existing?.every === every) return;
    await queue.upsertJobScheduler(SCHEDULER_ID, { every }, { name: 'analyze' });
    this.logger.info({ everySeconds: this.config.rolloutAnalysisSeconds }, 'rollout analysis scheduled');
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.redis.off('ready', this.startOnReady);
    // The worker first: it finishes a run in progress while the database is still connected.
    // Without Redis there is nothing to finish cleanly, and waiting would block the shutdown.
    const force = this.redis.status !== 'ready';
    await this.worker?.close(force);
    await this.queue?.close();
  }

  private async run(job: Job): Promise<number> {
    // A scheduler's job carries the time it was scheduled for: the tick's identity.
    const tickAt = job.opts.prevMillis ?? job.timestamp;
    const outcomes = await this.analysis.analyzeActive({ tickAt });
    return outcomes.filter((o) => o.result === 'applied').length;
  }
}
