import type { NatsAuthBundle } from './bundle-schema.js';

export interface NatsServerConfigOptions {
  /**
   * Directory of the `full` account resolver (JWTs pushed at runtime, revocations included, are
   * kept here). Each nats-server needs its own. A relative path is relative to nats-server's
   * working directory.
   */
  resolverDir: string;
  /**
   * How often the server pings idle clients, and how many unanswered pings drop one. The defaults
   * (2 s, 2) find a hung or partitioned runner in about 5 s instead of nats-server's 2 minutes
   * (NATS-AUTH.md: a stopped process was dropped after 4.9 s).
   */
  pingInterval?: string;
  pingMax?: number;
}

/** nats-conf strings: double-quoted with JSON's escapes, which the nats-server parser shares. */
const quote = (value: string): string => JSON.stringify(value);

/**
 * The nats-server config fragment for operator (JWT) mode. It has no `listen`, `tls` or cluster
 * settings: include it from the site's own nats.conf (`include ./nats-auth.conf`) or append those.
 * Contains only public material (JWTs and public keys), no seed.
 */
export function renderNatsServerConfig(bundle: NatsAuthBundle, options: NatsServerConfigOptions): string {
  const { systemAccount: sys, appAccount: app } = bundle;
  return [
    `# Switchyard NATS operator mode (operator "${bundle.operator.name}", created ${bundle.createdAt}).`,
    '# Generated from nats-auth.json; holds JWTs and public keys only.',
    `operator: ${quote(bundle.operator.jwt)}`,
    `system_account: ${sys.publicKey}`,
    '',
    '# The full resolver keeps pushed account JWTs (and so revocations) across restarts.',
    'resolver: {',
    '  type: full',
    `  dir: ${quote(options.resolverDir)}`,
    '  allow_delete: false',
    '  interval: "2m"',
    '}',
    '# Starting points only: a newer JWT already in the resolver dir wins over these.',
    'resolver_preload: {',
    `  ${sys.publicKey}: ${quote(sys.jwt)}`,
    `  ${app.publicKey}: ${quote(app.jwt)}`,
    '}',
    '',
    '# Find dead clients (runners) within seconds, not minutes.',
    `ping_interval: ${quote(options.pingInterval ?? '2s')}`,
    `ping_max: ${options.pingMax ?? 2}`,
    '',
  ].join('\n');
}
