import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { subjects } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { z } from 'zod';
import { ApiKeyChanges } from './api-key-changes.js';
import { NatsLink } from '../connections/nats-link.js';
import { LOGGER } from '../logging/logging.module.js';
import { MetricsService } from '../metrics/metrics.service.js';

const keyChangedSchema = z.object({ v: z.literal(1), keyId: z.string().min(1).max(100) });
type KeyChanged = z.infer<typeof keyChangedSchema>;

/** How often to look for the NATS connection until the subscription is in place (start-up does not wait for NATS). */
const CONNECTION_POLL_MS = 500;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Tells every replica at once that an API key changed on one (docs/gateway.md, "Keys and servers
 * changing under a session"): this replica's changes (ApiKeyChanges) are published on
 * `sy.gw.keys.changed`, and every replica subscribes — not as a queue group: each must hear each
 * change. NATS core is at most once: a lost message only means the change waits for the next
 * sweep, which reads the keys from Postgres anyway.
 */
@Injectable()
export class KeyChangesBroadcast implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly listeners = new Set<(keyId: string) => void>();
  private readonly messages: Counter<'direction'>;
  private subscription: Subscription | undefined;
  private poll: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly nats: NatsLink,
    private readonly changes: ApiKeyChanges,
    metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.messages = new Counter({
      name: 'switchyard_mcp_key_change_messages_total',
      help: 'API key changes published to the other replicas, and heard from any replica (this one included)',
      labelNames: ['direction'] as const,
      registers: [metrics.registry],
    });
  }

  /** Calls `listener` with the id of every key changed on any replica, this one included. */
  onChange(listener: (keyId: string) => void): void {
    this.listeners.add(listener);
  }

  onApplicationBootstrap(): void {
    this.unlisten = this.changes.onChange((keyId) => this.publish(keyId));
    const trySubscribe = () => {
      const connection = this.nats.connection;
      if (!connection || connection.isClosed()) return;
      clearInterval(this.poll);
      this.subscription = connection.subscribe(subjects.apiKeysChanged(), {
        callback: (error, message) => {
          if (error) return this.logger.warn({ err: error.message }, 'API key change subscription failed');
          const parsed = keyChangedSchema.safeParse(safeJson(decoder.decode(message.data)));
          if (!parsed.success) return this.logger.warn({ subject: message.subject }, 'an API key change message that does not parse: ignored');
          this.messages.inc({ direction: 'received' });
          for (const listener of this.listeners) listener(parsed.data.keyId);
        },
      });
    };
    this.poll = setInterval(trySubscribe, CONNECTION_POLL_MS);
    this.poll.unref();
    trySubscribe();
  }

  onApplicationShutdown(): void {
    clearInterval(this.poll);
    this.unlisten?.();
    this.subscription?.unsubscribe();
  }

  private publish(keyId: string): void {
    const connection = this.nats.connection;
    if (!connection || connection.isClosed()) {
      // This replica's own sessions still hear of it; the others' sweeps will find it.
      for (const listener of this.listeners) listener(keyId);
      return this.logger.warn({ keyId }, 'NATS is not connected: an API key change reaches the other replicas at their next sweep');
    }
    const message: KeyChanged = { v: 1, keyId };
    connection.publish(subjects.apiKeysChanged(), encoder.encode(JSON.stringify(message)));
    this.messages.inc({ direction: 'published' });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
