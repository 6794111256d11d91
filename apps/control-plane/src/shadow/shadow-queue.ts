import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { REDIS } from '../connections/connections.module.js';
import { LOGGER } from '../logging/logging.module.js';
import { queuePrefixFor } from '../rollouts/rollout-analysis.scheduler.js';
import { ShadowComparer, type ShadowJobResult } from './shadow-comparer.js';

export const SHADOW_QUEUE = 'shadow-calls';
/** Mirrored calls run at once per replica; they are extra load on both versions' runners. */
const WORKER_CONCURRENCY = 4;

/** A job names its payload; the payload itself (arguments, the champion's answer) is a Redis key with an expiry. */
export interface ShadowJob {
  payloadId: string;
  rolloutId: string;
  tool: string;
}

/**
 * The BullMQ queue of mirrored calls, off the caller's path: the gateway enqueues after the client
 * has its answer, and a worker on any replica runs the comparison. Jobs are removed as soon as they
 * finish or fail; their payloads expire on their own (ShadowStore), so nothing of a call's content
 * outlives PAYLOAD_TTL_SECONDS in Redis, and none of it reaches Postgres.
 */
@Injectable()
export class ShadowQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private queue?: Queue<ShadowJob>;
  private worker?: Worker<ShadowJob, ShadowJobResult>;
  private stopped = false;
  private readonly listeners = new Set<(job: ShadowJob, result: ShadowJobResult) => void>();

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly comparer: ShadowComparer,
  ) {}

  /** Whether jobs can be enqueued now (Redis was reachable at start). */
  get ready(): boolean {
    return this.queue !== undefined;
  }

  onApplicationBootstrap(): void {
    if (this.redis.status === 'ready') this.start();
    else this.redis.once('ready', this.startOnReady);
  }

  private readonly startOnReady = () => this.start();

  private start(): void {
    if (this.stopped) return;
    const connection = { url: this.config.redisUrl, maxRetriesPerRequest: null, connectionName: 'switchyard-shadow' };
    const prefix = queuePrefixFor(this.config.databaseUrl);
    this.queue = new Queue<ShadowJob>(SHADOW_QUEUE, { connection, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 } });
    this.queue.on('error', (error) => this.logger.warn({ err: error.message }, 'shadow queue: Redis error'));
    this.worker = new Worker<ShadowJob, ShadowJobResult>(SHADOW_QUEUE, (job) => this.run(job), { connection, prefix, concurrency: WORKER_CONCURRENCY });
    this.worker.on('error', (error) => this.logger.warn({ err: error.message }, 'shadow worker: Redis error'));
    this.worker.on('failed', (job, error) => this.logger.warn({ rolloutId: job?.data.rolloutId, tool: job?.data.tool, err: error.message }, 'shadow comparison failed'));
  }

  async enqueue(job: ShadowJob): Promise<void> {
    if (this.queue === undefined) return;
    await this.queue.add('compare', job, { jobId: job.payloadId });
  }

  /** Told of every finished job on this replica (tests wait on it instead of sleeping). */
  onProcessed(listener: (job: ShadowJob, result: ShadowJobResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.redis.off('ready', this.startOnReady);
    const force = this.redis.status !== 'ready';
    await this.worker?.close(force);
    await this.queue?.close();
  }

  private async run(job: Job<ShadowJob>): Promise<ShadowJobResult> {
    const result = await this.comparer.process(job.data);
    for (const listener of this.listeners) listener(job.data, result);
    return result;
  }
}
