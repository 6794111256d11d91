import type { NatsAuthBundle } from '@switchyard/nats-auth';
import type { z } from 'zod';
import { controlPlaneEnvSchema } from './config.schema.js';
import { readNatsAuthBundleFile } from './nats-auth-file.js';
import { readNatsCaFile } from './nats-ca-file.js';

/** The validated, frozen configuration of one control-plane process. */
export interface ControlPlaneConfig {
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly natsUrls: readonly string[];
  /** The NATS URLs runners get at enrollment (SWITCHYARD_NATS_PUBLIC_URLS, default natsUrls). */
  readonly natsPublicUrls: readonly string[];
  /** PEM of the CA runners should trust for NATS (SWITCHYARD_NATS_CA_FILE), or null: the system's. */
  readonly natsCaPem: string | null;
  /** The NATS auth bundle read from SWITCHYARD_NATS_AUTH_FILE. Holds seeds: never log it. */
  readonly natsAuth: Readonly<NatsAuthBundle>;
  readonly runnerJwtTtlSeconds: number;
  readonly secretsKey: Buffer;
  readonly auditHmacKey: Buffer;
  /** SWITCHYARD_AUDIT_RETENTION_DAYS: audit rows older than this are deleted (0: never). */
  readonly auditRetentionDays: number;
  readonly logLevel: string;
  readonly migrateOnStart: boolean;
  readonly skipBootstrapKey: boolean;
  readonly apiKeyTtlDays: number;
  readonly graphql: { readonly maxDepth: number; readonly maxComplexity: number; readonly introspection: boolean };
  readonly bodyLimitBytes: number;
  /** The MCP gateway (docs/gateway.md): browser origins allowed, idle lifetime of a session record. */
  readonly mcp: {
    readonly allowedOrigins: readonly string[];
    readonly sessionIdleSeconds: number;
    /** SWITCHYARD_MCP_KEY_CACHE_SECONDS: how long a key check is reused (0: never). */
    readonly keyCacheSeconds: number;
    /** Per API key, shared by replicas: SWITCHYARD_MCP_RATE_LIMIT_PER_SECOND and _BURST. */
    readonly rateLimit: { readonly perSecond: number; readonly burst: number };
  };
  /** SWITCHYARD_ROLLOUT_ANALYSIS_SECONDS: the interval of the scheduled rollout analysis. */
  readonly rolloutAnalysisSeconds: number;
  /** SWITCHYARD_ROUTER_PROBE_SECONDS: the interval of the router's active probes. */
  readonly routerProbeSeconds: number;
  /** The gRPC ToolGateway (docs/gateway.md): port null means no gRPC server; tls null means plaintext. */
  readonly grpc: {
    readonly port: number | null;
    readonly host: string;
    readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  };
  /** OpenTelemetry export (docs/gateway.md, Telemetry): null endpoint means no export. */
  readonly telemetry: {
    /** SWITCHYARD_OTLP_ENDPOINT without a trailing slash, or null. */
    readonly otlpEndpoint: string | null;
    /** SWITCHYARD_OTLP_HEADERS, names lower-cased. May hold tokens: never log them. */
    readonly otlpHeaders: Readonly<Record<string, string>>;
  };
}

/** Thrown when the environment is invalid; `problems` has one line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** One line per problem, naming the variable; a missing variable says so rather than "expected string". */
export function describeIssues(issues: readonly z.core.$ZodIssue[], env: Record<string, string | undefined>): string[] {
  return issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(environment)');
    const message = env[variable] === undefined || env[variable] === '' ? 'is required' : issue.message;
    return `${variable}: ${message}`;
  });
}

export const CONTROL_PLANE_CONFIG = Symbol('ControlPlaneConfig');

export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined>): ControlPlaneConfig {
  const parsed = controlPlaneEnvSchema.safeParse(env);
  const problems = parsed.success ? [] : describeIssues(parsed.error.issues, env);
  // The bundle is read here, not later: a bad file must stop the process before it connects.
  const natsAuthFile = env.SWITCHYARD_NATS_AUTH_FILE;
  const natsAuth = natsAuthFile ? readNatsAuthBundleFile(natsAuthFile) : undefined;
  if (natsAuth?.problems) problems.push(...natsAuth.problems.map((problem) => `SWITCHYARD_NATS_AUTH_FILE: ${problem}`));
  const natsCaFile = env.SWITCHYARD_NATS_CA_FILE;
  const natsCa = natsCaFile ? readNatsCaFile(natsCaFile) : { pem: null };
  if ('problem' in natsCa) problems.push(`SWITCHYARD_NATS_CA_FILE: ${natsCa.problem}`);
  if (parsed.success && (parsed.data.SWITCHYARD_GRPC_TLS_CERT_FILE === undefined) !== (parsed.data.SWITCHYARD_GRPC_TLS_KEY_FILE === undefined)) {
    problems.push('SWITCHYARD_GRPC_TLS_CERT_FILE, SWITCHYARD_GRPC_TLS_KEY_FILE: set both (TLS) or neither (plaintext)');
  }
  if (!parsed.success || !natsAuth?.bundle || 'problem' in natsCa || problems.length > 0) {
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  return Object.freeze({
    host: e.SWITCHYARD_HOST,
    port: e.SWITCHYARD_PORT,
    databaseUrl: e.SWITCHYARD_DATABASE_URL,
    redisUrl: e.SWITCHYARD_REDIS_URL,
    natsUrls: Object.freeze([...e.SWITCHYARD_NATS_URL]),
    natsPublicUrls: Object.freeze([...(e.SWITCHYARD_NATS_PUBLIC_URLS?.length ? e.SWITCHYARD_NATS_PUBLIC_URLS : e.SWITCHYARD_NATS_URL)]),
    natsCaPem: natsCa.pem,
    natsAuth: Object.freeze(natsAuth.bundle),
    runnerJwtTtlSeconds: e.SWITCHYARD_RUNNER_JWT_TTL_SECONDS,
    secretsKey: Buffer.from(e.SWITCHYARD_SECRETS_KEY, 'base64').subarray(0, 32),
    auditHmacKey: Buffer.from(e.SWITCHYARD_AUDIT_HMAC_KEY, 'base64'),
    auditRetentionDays: e.SWITCHYARD_AUDIT_RETENTION_DAYS,
    logLevel: e.SWITCHYARD_LOG_LEVEL,
    migrateOnStart: e.SWITCHYARD_MIGRATE_ON_START,
    skipBootstrapKey: e.SWITCHYARD_SKIP_BOOTSTRAP_KEY,
    apiKeyTtlDays: e.SWITCHYARD_API_KEY_TTL_DAYS,
    graphql: Object.freeze({
      maxDepth: e.SWITCHYARD_GRAPHQL_MAX_DEPTH,
      maxComplexity: e.SWITCHYARD_GRAPHQL_MAX_COMPLEXITY,
      introspection: e.SWITCHYARD_GRAPHQL_INTROSPECTION,
    }),
    bodyLimitBytes: e.SWITCHYARD_BODY_LIMIT_BYTES,
    mcp: Object.freeze({
      // Origin headers carry no path and no trailing slash: compare in that form.
      allowedOrigins: Object.freeze(e.SWITCHYARD_MCP_ALLOWED_ORIGINS.map((origin) => new URL(origin).origin)),
      sessionIdleSeconds: e.SWITCHYARD_MCP_SESSION_IDLE_SECONDS,
      keyCacheSeconds: e.SWITCHYARD_MCP_KEY_CACHE_SECONDS,
      rateLimit: Object.freeze({ perSecond: e.SWITCHYARD_MCP_RATE_LIMIT_PER_SECOND, burst: e.SWITCHYARD_MCP_RATE_LIMIT_BURST }),
    }),
    rolloutAnalysisSeconds: e.SWITCHYARD_ROLLOUT_ANALYSIS_SECONDS,
    routerProbeSeconds: e.SWITCHYARD_ROUTER_PROBE_SECONDS,
    grpc: Object.freeze({
      port: e.SWITCHYARD_GRPC_PORT ?? null,
      host: e.SWITCHYARD_GRPC_HOST ?? e.SWITCHYARD_HOST,
      tls: e.SWITCHYARD_GRPC_TLS_CERT_FILE && e.SWITCHYARD_GRPC_TLS_KEY_FILE ? Object.freeze({ certFile: e.SWITCHYARD_GRPC_TLS_CERT_FILE, keyFile: e.SWITCHYARD_GRPC_TLS_KEY_FILE }) : null,
    }),
    telemetry: Object.freeze({
      otlpEndpoint: e.SWITCHYARD_OTLP_ENDPOINT ? e.SWITCHYARD_OTLP_ENDPOINT.replace(/\/+$/, '') : null,
      otlpHeaders: Object.freeze({ ...e.SWITCHYARD_OTLP_HEADERS }),
    }),
  });
}
