import { errors, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/** An error that means the server will not take this credential (revoked, expired, unknown). */
export function isCredentialRefusal(error: unknown): boolean {
  if (error instanceof errors.AuthorizationError || error instanceof errors.UserAuthenticationExpiredError) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /authorization violation|authentication revoked|authentication expired|user authentication/i.test(message);
}

/**
 * Logs what the connection goes through. This is the only place a denied publish shows up: the
 * server drops it and tells the client asynchronously, `publish()` itself never throws.
 */
export async function logConnectionStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  for await (const status of nc.status()) {
    switch (status.type) {
      case 'disconnect':
        logger.warn({ server: status.server }, 'disconnected from NATS; reconnecting');
        break;
      case 'reconnect':
        logger.info({ server: status.server }, 'reconnected to NATS');
        break;
      case 'ldm':
        logger.info({ server: status.server }, 'NATS server entering lame duck mode; will move to another');
        break;
      case 'staleConnection':
        logger.warn('NATS connection went stale (no PONG); reconnecting');
        break;
      case 'slowConsumer':
        logger.warn({ subject: status.sub.getSubject(), pending: status.pending }, 'slow consumer: messages are being dropped');
        break;
      case 'error':
        if (status.error instanceof errors.PermissionViolationError) {
          logger.error(
            { operation: status.error.operation, subject: status.error.subject, queue: status.error.queue },
            'NATS permissions violation: the server refused this operation (a runner may only use its own subjects)',
          );
        } else {
          logger.error({ err: status.error.message }, 'NATS error');
        }
        break;
      default:
        logger.debug({ status: status.type }, 'NATS status');
    }
  }
}
