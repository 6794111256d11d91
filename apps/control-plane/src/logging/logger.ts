import { pino, type Logger } from 'pino';

/**
 * Paths that may hold credentials or tool arguments. Logs never carry them (STYLE.md); a value
 * that slips into one of these keys is replaced rather than trusted to every call site.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  '*.authorization',
  'key',
  '*.key',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'value',
  '*.value',
  'password',
  '*.password',
  'arguments',
  '*.arguments',
  // NATS auth bundle material (nkey seeds, .creds text).
  'seed',
  '*.seed',
  'signingSeed',
  '*.signingSeed',
  'creds',
  '*.creds',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'switchyard-control-plane' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
