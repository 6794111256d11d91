// Everything of shadow traffic that lives in Redis, always with an expiry: the payloads of
// mirrored calls (arguments and the champion's answer, never written to Postgres), the noise
// learned per (server, tool), the pair counters and a capped list of example differences.
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { REDIS } from '../connections/connections.module.js';
import { queuePrefixFor } from '../rollouts/rollout-analysis.scheduler.js';
import type { PathDifference } from './compare/compare-answers.js';
import type { Noise, NoiseKind } from './compare/noise.js';

/** A mirrored call as the gateway saw it: enough to replay it and to compare. */
export interface ShadowPayload {
  rolloutId: string;
  serverName: string;
  tool: string;
  arguments: unknown;
  /** The champion's JSON-RPC answer (its `result`), as the client got it. */
  championAnswer: unknown;
  championVersionId: string;
  apiKeyId: string | null;
  traceId: string | null;
  /** Epoch ms: when the champion's answer came. */
  answeredAt: number;
}

export interface ShadowExample {
  tool: string;
  /** ISO time of the comparison. */
  at: string;
  paths: Array<{ path: string; champion: string | null; challenger: string | null }>;
}

/** A payload not taken by a worker within this time is gone: it is never compared. */
export const PAYLOAD_TTL_SECONDS = 600;
/** Learned noise is kept this long after the last pair that taught something. */
const NOISE_TTL_SECONDS = 7 * 24 * 3600;
/** Examples and pair counters are kept this long after the last write. */
const EXAMPLES_TTL_SECONDS = 24 * 3600;
/** Calls with larger arguments plus answer are not mirrored: Redis is not a blob store. */
export const MAX_PAYLOAD_CHARS = 1_000_000;
export const MAX_EXAMPLES = 20;
/** In a noise hash: the number of pairs learned from (paths start with `/`, so it cannot clash). */
const PAIRS_FIELD = '#pairs';
const MAX_EXAMPLE_PATHS = 10;
const MAX_EXAMPLE_VALUE = 200;

@Injectable()
export class ShadowStore {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig,
  ) {
    this.prefix = `${queuePrefixFor(config.databaseUrl)}:shadow`;
  }

  /** Stores a payload for PAYLOAD_TTL_SECONDS; false (nothing stored) when it is larger than MAX_PAYLOAD_CHARS. */
  async putPayload(id: string, payload: ShadowPayload): Promise<boolean> {
    const text = JSON.stringify(payload);
    if (text.length > MAX_PAYLOAD_CHARS) return false;
    await this.redis.set(this.key('payload', id), text, 'EX', PAYLOAD_TTL_SECONDS);
    return true;
  }

  /** Whether Redis answers now (mirroring is skipped, not queued in memory, while it does not). */
  get available(): boolean {
    return this.redis.status === 'ready';
  }

  /** The payload, removed as it is read (null when it expired or was taken). */
  async takePayload(id: string): Promise<ShadowPayload | null> {
    const text = await this.redis.getdel(this.key('payload', id));
    return text === null ? null : (JSON.parse(text) as ShadowPayload);
  }

  /** The noise learned for (server, tool), and from how many pairs (0: nothing is known yet). */
  async noiseOf(serverName: string, tool: string): Promise<{ noise: Noise; pairs: number }> {
    const { [PAIRS_FIELD]: pairs, ...entries } = await this.redis.hgetall(this.key('noise', serverName, tool));
    return { noise: new Map(Object.entries(entries) as Array<[string, NoiseKind]>), pairs: Number(pairs ?? 0) };
  }

  /** Adds a pair's paths; `value` overrides `tokens`, never the reverse (noise.ts mergeNoise). */
  async learn(serverName: string, tool: string, learned: Noise): Promise<void> {
    const key = this.key('noise', serverName, tool);
    const batch = this.redis.multi().hincrby(key, PAIRS_FIELD, 1);
    for (const [path, kind] of learned) {
      if (kind === 'value') batch.hset(key, path, kind);
      else batch.hsetnx(key, path, kind);
    }
    batch.expire(key, NOISE_TTL_SECONDS);
    await batch.exec();
  }

  /** How many mirrored calls of this tool the rollout has seen, this one included. */
  async countCall(rolloutId: string, tool: string): Promise<number> {
    const key = this.key('calls', rolloutId, tool);
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, EXAMPLES_TTL_SECONDS).exec()) as [[Error | null, number]];
    return count;
  }

  async addExample(rolloutId: string, tool: string, differences: readonly PathDifference[], at: Date): Promise<void> {
    const example: ShadowExample = {
      tool,
      at: at.toISOString(),
      paths: differences.slice(0, MAX_EXAMPLE_PATHS).map((d) => ({ path: d.path, champion: truncate(d.champion), challenger: truncate(d.challenger) })),
    };
    const key = this.key('examples', rolloutId);
    await this.redis.multi().lpush(key, JSON.stringify(example)).ltrim(key, 0, MAX_EXAMPLES - 1).expire(key, EXAMPLES_TTL_SECONDS).exec();
  }

  async examples(rolloutId: string): Promise<ShadowExample[]> {
    return (await this.redis.lrange(this.key('examples', rolloutId), 0, MAX_EXAMPLES - 1)).map((text) => JSON.parse(text) as ShadowExample);
  }

  /** Every noise path learned for the server's tools, as `<tool> <path>`. */
  async noisePaths(serverName: string, tools: readonly string[]): Promise<Array<{ tool: string; path: string; kind: NoiseKind }>> {
    const all = await Promise.all(tools.map(async (tool) => [...(await this.noiseOf(serverName, tool)).noise].map(([path, kind]) => ({ tool, path, kind }))));
    return all.flat();
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }
}

function truncate(value: string | undefined): string | null {
  if (value === undefined) return null;
  return value.length <= MAX_EXAMPLE_VALUE ? value : `${value.slice(0, MAX_EXAMPLE_VALUE)}…`;
}
