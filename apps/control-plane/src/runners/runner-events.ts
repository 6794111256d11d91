import { Inject, Injectable } from '@nestjs/common';
import type { RunnerStatus } from '@switchyard/db';
import type { Heartbeat } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logging.module.js';

type Listener<A extends unknown[]> = (...args: A) => void;

class Channel<A extends unknown[]> {
  private readonly listeners = new Set<Listener<A>>();

  on(listener: Listener<A>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(logger: Logger, ...args: A): void {
    for (const listener of this.listeners) {
      // One listener's bug must not keep the others (or liveness itself) from hearing the news.
      try {
        listener(...args);
      } catch (error) {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'runner event listener failed');
      }
    }
  }
}

/**
 * In-process news about runners, for the relay and placement. Every control-plane replica sees
 * every `$SYS` connect and disconnect event, so `runnerLost` and `runnerConnected` fire on every
 * replica (each relay fails its own in-flight calls). `statusChanged` and `heartbeat` fire only on
 * the replica that handled the heartbeat or wrote the change.
 */
@Injectable()
export class RunnerEvents {
  private readonly lost = new Channel<[runnerId: string, reason: string]>();
  private readonly connected = new Channel<[runnerId: string]>();
  private readonly status = new Channel<[runnerId: string, status: RunnerStatus]>();
  private readonly heartbeats = new Channel<[runnerId: string, heartbeat: Heartbeat]>();
  private readonly logger: Logger;

  constructor(@Inject(LOGGER) logger: Logger) {
    this.logger = logger.child({ component: 'runner-events' });
  }

  /**
   * The runner has no NATS connection left (closed, killed, stale, revoked) or was fenced, or its
   * heartbeats stopped: calls in flight to it will not complete. Returns an unsubscribe.
   */
  onRunnerLost(listener: (runnerId: string, reason: string) => void): () => void {
    return this.lost.on(listener);
  }

  /** A connection of the runner authenticated (its first one, or one more). */
  onRunnerConnected(listener: (runnerId: string) => void): () => void {
    return this.connected.on(listener);
  }

  /** This replica changed the runner's status in the database. */
  onStatusChanged(listener: (runnerId: string, status: RunnerStatus) => void): () => void {
    return this.status.on(listener);
  }

  /** This replica accepted a heartbeat of the runner (after the database update). */
  onHeartbeat(listener: (runnerId: string, heartbeat: Heartbeat) => void): () => void {
    return this.heartbeats.on(listener);
  }

  runnerLost(runnerId: string, reason: string): void {
    this.lost.emit(this.logger, runnerId, reason);
  }

  runnerConnected(runnerId: string): void {
    this.connected.emit(this.logger, runnerId);
  }

  statusChanged(runnerId: string, status: RunnerStatus): void {
    this.status.emit(this.logger, runnerId, status);
  }

  heartbeat(runnerId: string, heartbeat: Heartbeat): void {
    this.heartbeats.emit(this.logger, runnerId, heartbeat);
  }
}
