import { errors, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/** An error that means the server will not take this credential (revoked, expired, unknown). */
export function isCredentialRefusal(error: unknown): boolean {
  if (error instanceof errors.AuthorizationError || error instanceof errors.UserAuthenticationExpiredError) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /authorization violation|authentication revoked|authentication expired|user authentication/i.test(message);
}

/** TLS verification failures (Node's codes and messages): retrying will not fix them by itself. */
const TLS_TRUST_PROBLEM = /certificate|self[- ]signed|UNABLE_TO_VERIFY|CERT_|ERR_TLS|hostname\/IP does not match/i;

/** What a failed connect means, for the log line: a distrust of the server's certificate reads differently from a network problem. */
export function describeConnectError(error: unknown): string {
  const message = error instanceof Error ? `${error.message} ${String((error as { code?: unknown }).code ?? '')} ${String((error as { cause?: { message?: unknown } }).cause?.message ?? '')}` : String(error);
  if (TLS_TRUST_PROBLEM.test(message)) {
    return "the NATS server's TLS certificate is not trusted: check tls.caFile (or the nats-ca.pem received at enrollment) and the NATS URL's host name";
  }
  return 'NATS not reachable yet';
}

/**
 * Logs what the connection goes through. This is the only place a denied publish shows up: the
 * server drops it and tells the client asynchronously, `publish()` itself never throws.
 */
export async function logConnectionStatus(
  nc: NatsConnection,
  logger: Logger,
  hooks: { onReconnect?: () => void; onCredentialRefused?: (error: Error) => void } = {},
): Promise<void> {
  for await (const status of nc.status()) {
    switch (status.type) {
      case 'disconnect':
        logger.warn({ server: status.server }, 'disconnected from NATS; reconnecting');
        break;
      case 'reconnect':
        hooks.onReconnect?.();
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
          if (isCredentialRefusal(status.error)) hooks.onCredentialRefused?.(status.error);
        }
        break;
      default:
        logger.debug({ status: status.type }, 'NATS status');
    }
  }
}
