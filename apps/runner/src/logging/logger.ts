import { pino, type Logger } from 'pino';

/**
 * Keys that may hold the runner's secrets: its nkey seed, its JWT, the creds text, enrollment
 * tokens, secret values for MCP servers. A value that slips into one of them is replaced rather
 * than trusted to every call site (STYLE.md: no secrets in logs).
 */
export const REDACTED_PATHS = ['token', '*.token', 'seed', '*.seed', 'jwt', '*.jwt', 'userJwt', '*.userJwt', 'creds', '*.creds', 'values', '*.values', 'secretValues', '*.secretValues'];

/** JSON lines on stdout (journald under systemd). */
export function createRunnerLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'switchyard-runner' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
