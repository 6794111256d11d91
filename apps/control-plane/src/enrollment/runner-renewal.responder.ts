import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { decode, encode, isDomainError, parseRunnerSubject, renewRequestSchema, renewResponseSchema, subjects } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { NatsLink } from '../connections/nats-link.js';
import { LOGGER } from '../logging/logging.module.js';
import { RunnerRenewalService } from './runner-renewal.service.js';

/** Every replica joins this group on `sy.cp.*.renew`: each request is answered by exactly one. */
export const RENEWAL_QUEUE_GROUP = 'switchyard-renewals';
const CONNECTION_POLL_MS = 200;

/**
 * Answers runners' JWT renewal requests over NATS. The NATS link dials in the background (start-up
 * does not wait for NATS), so the subscription is made once the link is up; the client keeps it
 * across reconnects.
 */
@Injectable()
export class RunnerRenewalResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;
  private poll: NodeJS.Timeout | undefined;

  constructor(
    private readonly nats: NatsLink,
    private readonly renewals: RunnerRenewalService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const trySubscribe = () => {
      const connection = this.nats.connection;
      if (!connection || connection.isClosed()) return;
      clearInterval(this.poll);
      this.subscription = connection.subscribe(subjects.allRenewals(), {
        queue: RENEWAL_QUEUE_GROUP,
        callback: (error, message) => {
          if (error) this.logger.warn({ err: error.message }, 'renewal subscription error');
          else void this.answer(message);
        },
      });
    };
    this.poll = setInterval(trySubscribe, CONNECTION_POLL_MS);
    // Polling must not keep a closing process (or a test) alive.
    this.poll.unref();
    trySubscribe();
  }

  onApplicationShutdown(): void {
    clearInterval(this.poll);
    this.subscription?.unsubscribe();
  }

  /** Ready once the subscription is registered with the server (tests and readiness). */
  async ready(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.subscription) {
      if (Date.now() > deadline) throw new Error(`renewal responder not subscribed after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await this.nats.connection?.flush();
  }

  private async answer(message: Msg): Promise<void> {
    // The subject names the runner; the server guarantees only runner X publishes under sy.cp.X.
    const target = parseRunnerSubject(message.subject);
    if (!target || target.kind !== 'renew') return;
    try {
      const request = decode(renewRequestSchema, message.data);
      const response = await this.renewals.renew(target.runnerId, request);
      message.respond(encode(renewResponseSchema, response));
    } catch (error) {
      // No renew response means "invalid request" (the schema has no such refusal): the runner's
      // request times out and it retries. A protocol error is the runner's bug, logged as such.
      if (isDomainError(error)) this.logger.warn({ runnerId: target.runnerId, code: error.code, err: error.message }, 'invalid renew request');
      else this.logger.error({ runnerId: target.runnerId, err: error }, 'renewal failed');
    }
  }
}
