import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logging.module.js';
import { RolloutWeights } from '../rollouts/rollout-weights.js';
import { ShadowRepository, type ShadowRollout } from './shadow.repository.js';
import { ShadowQueue } from './shadow-queue.js';
import { ShadowStore } from './shadow-store.js';

/** A tools/call the champion answered OK, as the gateway hands it over after the client has its answer. */
export interface MirroredCall {
  serverName: string;
  versionId: string;
  tool: string;
  arguments: unknown;
  /** The JSON-RPC `result` the client got. */
  result: unknown;
  apiKeyId: string | null;
  traceId: string | null;
}

/** How long the server → rollout-in-SHADOW answer is reused (it is asked on every OK tools/call). */
const ROLLOUT_CACHE_MS = 1_000;
/** Share of allow-listed calls mirrored. */
export const SAMPLE_SHARE = 1;
/** At most this many calls per rollout and second are mirrored by one replica; the rest are not. */
export const MAX_MIRRORED_PER_SECOND = 50;
/** Mirrors being handed to Redis at once on this replica; beyond it calls are not mirrored (a slow Redis must not pile up payloads in memory). */
const MAX_IN_FLIGHT = 200;

/**
 * The gateway's hook: decides whether a call is mirrored and enqueues it, never on the caller's
 * path (`offer` returns at once; its work happens after the client got its answer). Mirrored: a
 * tools/call answered OK by the champion of a rollout in SHADOW (not CANARY or BANDIT, where the
 * challenger has real traffic of its own to judge), the tool on the rollout's allow-list, within
 * the sample share and the rate cap.
 */
@Injectable()
export class ShadowMirror {
  private readonly rollouts = new Map<string, { expiresAt: number; value: Promise<ShadowRollout | null> }>();
  private readonly rate = new Map<string, { second: number; count: number }>();
  private inFlight = 0;

  constructor(
    private readonly repository: ShadowRepository,
    private readonly store: ShadowStore,
    private readonly queue: ShadowQueue,
    @Inject(LOGGER) private readonly logger: Logger,
    weights: RolloutWeights,
  ) {
    // A rollout changed on this replica (advanced into SHADOW, rolled back…): the next call sees it.
    weights.onChange(() => this.forget());
  }

  offer(call: MirroredCall): void {
    if (!this.queue.ready || !this.store.available || this.inFlight >= MAX_IN_FLIGHT) return;
    this.inFlight += 1;
    this.mirror(call)
      .catch((error: Error) => this.logger.warn({ serverName: call.serverName, tool: call.tool, err: error.message }, 'could not mirror a call'))
      .finally(() => (this.inFlight -= 1));
  }

  /** The allow-list of the server's rollout changed on this replica: the next call reads it again. */
  forget(serverName?: string): void {
    if (serverName === undefined) this.rollouts.clear();
    else this.rollouts.delete(serverName);
  }

  private async mirror(call: MirroredCall): Promise<void> {
    const rollout = await this.shadowRolloutOf(call.serverName);
    if (rollout === null || rollout.championVersionId !== call.versionId || !rollout.shadowTools.includes(call.tool)) return;
    if (Math.random() >= SAMPLE_SHARE || !this.withinRate(rollout.rolloutId, Date.now())) return;
    const payloadId = randomUUID();
    const stored = await this.store.putPayload(payloadId, {
      rolloutId: rollout.rolloutId,
      serverName: call.serverName,
      tool: call.tool,
      arguments: call.arguments,
      championAnswer: { result: call.result },
      championVersionId: call.versionId,
      apiKeyId: call.apiKeyId,
      traceId: call.traceId,
      answeredAt: Date.now(),
    });
    if (!stored) return;
    await this.queue.enqueue({ payloadId, rolloutId: rollout.rolloutId, tool: call.tool });
  }

  private shadowRolloutOf(serverName: string): Promise<ShadowRollout | null> {
    const now = Date.now();
    const cached = this.rollouts.get(serverName);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = this.repository.shadowRolloutOf(serverName);
    this.rollouts.set(serverName, { expiresAt: now + ROLLOUT_CACHE_MS, value });
    value.catch(() => this.rollouts.delete(serverName));
    return value;
  }

  private withinRate(rolloutId: string, now: number): boolean {
    const second = Math.floor(now / 1000);
    const window = this.rate.get(rolloutId);
    if (window === undefined || window.second !== second) {
      this.rate.set(rolloutId, { second, count: 1 });
      return true;
    }
    window.count += 1;
    return window.count <= MAX_MIRRORED_PER_SECOND;
  }
}
