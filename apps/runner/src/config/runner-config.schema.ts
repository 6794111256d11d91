import { z } from 'zod';

export const DEFAULT_CONFIG_PATH = '/etc/switchyard/runner.json';
export const DEFAULT_DATA_DIR = '/var/lib/switchyard-runner';

function parsedUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

const isLoopbackHost = (host: string) => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * The enrollment token travels to this URL, so plain http is accepted only on loopback (the
 * local demo) — or anywhere when the operator passed `enroll --insecure-http`; otherwise https.
 */
const controlPlaneUrlField = (insecureHttp: boolean) =>
  z.string().refine(
    (value) => {
      const url = parsedUrl(value);
      return url !== null && (url.protocol === 'https:' || (url.protocol === 'http:' && (insecureHttp || isLoopbackHost(url.hostname))));
    },
    { message: 'expected an https:// URL (http:// only for localhost)' },
  );

const natsUrl = z.string().refine((value) => ['nats:', 'tls:'].includes(parsedUrl(value)?.protocol ?? ''), {
  message: 'expected a nats:// or tls:// URL',
});

const capacityMessage = { message: 'expected a whole number from 1 to 1000' };
const heartbeatMessage = { message: 'expected seconds from 0.1 to 300' };
const graceMessage = { message: 'expected seconds from 0 to 3600' };

const absolutePath = z.string().refine((value) => value.startsWith('/'), { message: 'expected an absolute path' });

/**
 * /etc/switchyard/runner.json. Every key may be overridden by an environment variable (see
 * ENV_OVERRIDES); unknown keys are errors, so a typo does not silently fall back to a default.
 */
export const runnerConfigSchemaFor = ({ insecureHttp }: { insecureHttp: boolean }) =>
  z.strictObject({
    controlPlaneUrl: controlPlaneUrlField(insecureHttp),
    dataDir: absolutePath.default(DEFAULT_DATA_DIR),
    /** Shown to operators; defaults to the host name. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { message: 'expected 1-63 letters, digits, ".", "_" or "-"' })
      .optional(),
    /** How many server replicas the control plane may place on this runner. */
    capacity: z.number(capacityMessage).int(capacityMessage).min(1, capacityMessage).max(1000, capacityMessage).default(4),
    labels: z
      .record(
        z.string().regex(/^[A-Za-z0-9._/-]{1,63}$/, { message: 'label names are 1-63 letters, digits, ".", "_", "/" or "-"' }),
        // 255: what the enroll request (libs/protocol) accepts.
        z.string().max(255),
      )
      .default({}),
    /** Normally delivered by enrollment; set here to override (e.g. a closer NATS node). */
    natsUrls: z.array(natsUrl).min(1).optional(),
    tls: z
      .strictObject({
        /** CA bundle (PEM) to trust for the control plane's HTTPS and NATS, when not publicly trusted. */
        caFile: absolutePath.optional(),
      })
      .default({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** How often `start` sends a heartbeat (decimals allowed). */
    heartbeatSeconds: z.number(heartbeatMessage).min(0.1, heartbeatMessage).max(300, heartbeatMessage).default(5),
    /** On SIGTERM (or a drain message), how long in-flight calls may take to finish. */
    drainGraceSeconds: z.number(graceMessage).min(0, graceMessage).max(3600, graceMessage).default(30),
  });

export const runnerConfigSchema = runnerConfigSchemaFor({ insecureHttp: false });

export type RunnerConfigFile = z.input<typeof runnerConfigSchema>;

/** Environment variable → config key (dotted for nested keys) and how to read the string. */
export const ENV_OVERRIDES = {
  SWITCHYARD_RUNNER_CONTROL_PLANE_URL: { key: 'controlPlaneUrl', read: 'string' },
  SWITCHYARD_RUNNER_DATA_DIR: { key: 'dataDir', read: 'string' },
  SWITCHYARD_RUNNER_NAME: { key: 'name', read: 'string' },
  SWITCHYARD_RUNNER_CAPACITY: { key: 'capacity', read: 'number' },
  /** `rack=b3,gpu=a100` */
  SWITCHYARD_RUNNER_LABELS: { key: 'labels', read: 'labels' },
  /** Comma-separated. */
  SWITCHYARD_RUNNER_NATS_URLS: { key: 'natsUrls', read: 'list' },
  SWITCHYARD_RUNNER_TLS_CA_FILE: { key: 'tls.caFile', read: 'string' },
  SWITCHYARD_RUNNER_LOG_LEVEL: { key: 'logLevel', read: 'string' },
  SWITCHYARD_RUNNER_HEARTBEAT_SECONDS: { key: 'heartbeatSeconds', read: 'number' },
  SWITCHYARD_RUNNER_DRAIN_GRACE_SECONDS: { key: 'drainGraceSeconds', read: 'number' },
} as const satisfies Record<string, { key: string; read: 'string' | 'number' | 'labels' | 'list' }>;

/** Names the config file when --config is not given. */
export const CONFIG_PATH_VARIABLE = 'SWITCHYARD_RUNNER_CONFIG';
