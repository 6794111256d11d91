import { z } from 'zod';

const base64Key = (minBytes: number) =>
  z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length >= minBytes, {
      message: `expected at least ${minBytes} bytes, base64-encoded (generate with: openssl rand -base64 ${minBytes})`,
    });

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const urlWithScheme = (schemes: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `expected a URL (${schemes.map((s) => `${s}://…`).join(' or ')})` },
  );

/**
 * `key=value,key=value` (the form of OTEL_EXPORTER_OTLP_HEADERS): values may be percent-encoded, so
 * a token can hold `,` or `=`. Keys are HTTP header names.
 */
const headerList = z.string().transform((value, ctx) => {
  const headers: Record<string, string> = {};
  for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    const name = at > 0 ? entry.slice(0, at).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      // Never echo the entry: it may hold a token.
      ctx.addIssue({ code: 'custom', message: 'expected key=value pairs, comma-separated, with header names as keys' });
      return z.NEVER;
    }
    try {
      headers[name.toLowerCase()] = decodeURIComponent(entry.slice(at + 1).trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `the value of ${name} is not valid percent-encoding` });
      return z.NEVER;
    }
  }
  return headers;
});

/** Environment of the control plane. One variable per line in docs/configuration.md. */
export const controlPlaneEnvSchema = z.object({
  SWITCHYARD_HOST: z.string().min(1).default('127.0.0.1'),
  SWITCHYARD_PORT: z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535).default(4000),
  SWITCHYARD_DATABASE_URL: urlWithScheme(['postgres', 'postgresql']),
  SWITCHYARD_REDIS_URL: urlWithScheme(['redis', 'rediss']),
  /** One or more NATS URLs, comma-separated. */
  SWITCHYARD_NATS_URL: z
    .string()
    .min(1)
    .transform((value) => value.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(urlWithScheme(['nats', 'tls', 'ws', 'wss'])).min(1)),
  /**
   * NATS URLs handed to runners at enrollment, comma-separated: what a runner host can reach
   * (often a public name or a leaf node), not necessarily what the control plane dials.
   * Default: SWITCHYARD_NATS_URL.
   */
  SWITCHYARD_NATS_PUBLIC_URLS: z
    .string()
    .transform((value) => value.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(urlWithScheme(['nats', 'tls', 'ws', 'wss'])))
    .optional(),
  /** PEM file of the CA that signed the NATS servers' certificates, handed to runners at enrollment. */
  SWITCHYARD_NATS_CA_FILE: z.string().optional(),
  /** Path of the NATS auth bundle (`switchyard nats init`); its contents are checked by loadConfig. */
  SWITCHYARD_NATS_AUTH_FILE: z.string().min(1),
  /** Lifetime of the NATS user JWTs issued to runners; they renew before expiry. */
  SWITCHYARD_RUNNER_JWT_TTL_SECONDS: z.coerce.number({ message: 'expected whole seconds, 60 to 86400' }).int().min(60).max(86_400).default(3600),
  /** Encrypts Secret values at rest (AES-256-GCM): 32 bytes, base64. */
  SWITCHYARD_SECRETS_KEY: base64Key(32),
  /** Keys the HMAC of tool arguments in the audit log: at least 32 bytes, base64. */
  SWITCHYARD_AUDIT_HMAC_KEY: base64Key(32),
  /** How long tool-call audit rows (ToolInvocation) are kept, by their start; 0 keeps them forever. */
  SWITCHYARD_AUDIT_RETENTION_DAYS: z.coerce.number({ message: 'expected whole days, 0 to 36500' }).int().min(0).max(36_500).default(90),
  SWITCHYARD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SWITCHYARD_MIGRATE_ON_START: booleanFlag.default(true),
  /** Skip creating (and printing) the first admin key when none exists. */
  SWITCHYARD_SKIP_BOOTSTRAP_KEY: booleanFlag.default(false),
  SWITCHYARD_API_KEY_TTL_DAYS: z.coerce.number({ message: 'expected a number of days' }).int().min(1).max(3650).default(90),
  SWITCHYARD_GRAPHQL_MAX_DEPTH: z.coerce.number({ message: 'expected a number' }).int().min(2).max(50).default(8),
  SWITCHYARD_GRAPHQL_MAX_COMPLEXITY: z.coerce.number({ message: 'expected a number' }).int().min(10).max(1_000_000).default(20_000),
  SWITCHYARD_GRAPHQL_INTROSPECTION: booleanFlag.default(true),
  SWITCHYARD_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /**
   * Origins (scheme://host[:port], comma-separated) whose browsers may call the MCP gateway. A
   * request with another Origin header gets HTTP 403 (DNS rebinding protection); a request without
   * one (SDKs, agents, curl) is not a browser's and passes. Default: none.
   */
  SWITCHYARD_MCP_ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(urlWithScheme(['http', 'https']))),
  /** How long the MCP gateway trusts a key check (0 = check every request); a revoked key works that much longer there. */
  SWITCHYARD_MCP_KEY_CACHE_SECONDS: z.coerce.number({ message: 'expected whole seconds, 0 to 300' }).int().min(0).max(300).default(5),
  /** How long an MCP gateway session lives without a request before its record expires. */
  SWITCHYARD_MCP_SESSION_IDLE_SECONDS: z.coerce.number({ message: 'expected whole seconds, 60 to 604800' }).int().min(60).max(604_800).default(3600),
  /** Per API key, shared by all replicas (Redis token bucket): calls per second on average… */
  SWITCHYARD_MCP_RATE_LIMIT_PER_SECOND: z.coerce.number({ message: 'expected calls per second, 0.01 to 100000' }).min(0.01).max(100_000).default(20),
  /** …and how many may come at once (the bucket's size; at least 1). */
  SWITCHYARD_MCP_RATE_LIMIT_BURST: z.coerce.number({ message: 'expected a whole number of calls, 1 to 1000000' }).int().min(1).max(1_000_000).default(40),
  /**
   * OTLP/HTTP endpoint of an OpenTelemetry collector (`http://collector:4318`; spans go to its
   * `/v1/traces`). Unset: no span is exported, but W3C trace context still flows to runners.
   */
  SWITCHYARD_OTLP_ENDPOINT: z.literal('').or(urlWithScheme(['http', 'https'])).optional(),
  /** How often the automated rollout analysis runs (docs/rollouts.md, "Operating rollouts"); one run per interval across replicas. */
  SWITCHYARD_ROLLOUT_ANALYSIS_SECONDS: z.coerce.number({ message: 'expected whole seconds, 1 to 3600' }).int().min(1).max(3600).default(30),
  /** How often active health probes (MCP ping) reach each healthy runner's placed servers (docs/router.md, "In the control plane"). */
  SWITCHYARD_ROUTER_PROBE_SECONDS: z.coerce.number({ message: 'expected whole seconds, 1 to 3600' }).int().min(1).max(3600).default(10),
  /** The gRPC ToolGateway's port (docs/gateway.md, "gRPC ToolGateway"); unset or empty: no gRPC server; 0: a free port. */
  SWITCHYARD_GRPC_PORT: z
    .literal('')
    .transform(() => undefined)
    .or(z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535))
    .optional(),
  /** Where the gRPC server binds; default SWITCHYARD_HOST. */
  SWITCHYARD_GRPC_HOST: z.string().min(1).optional(),
  /** PEM certificate chain and private key: gRPC over TLS. Both or neither (neither: plaintext). */
  SWITCHYARD_GRPC_TLS_CERT_FILE: z.string().min(1).optional(),
  SWITCHYARD_GRPC_TLS_KEY_FILE: z.string().min(1).optional(),
  /** Headers sent with every OTLP export (`authorization=Bearer%20…,x-tenant=a`): may hold secrets. */
  SWITCHYARD_OTLP_HEADERS: headerList.default({}),
});

export type ControlPlaneEnv = z.input<typeof controlPlaneEnvSchema>;
