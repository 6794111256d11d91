import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Generated once per checkout and kept in .switchyard/secrets.json (mode 0600). */
export interface DemoSecrets {
  /** AES-256-GCM key for Secret values at rest: data encrypted with it is lost if it changes. */
  SWITCHYARD_SECRETS_KEY: string;
  SWITCHYARD_AUDIT_HMAC_KEY: string;
  /** Superuser password of the demo's Postgres cluster (set when the cluster is initialised). */
  postgresPassword: string;
  /** The demo admin key, shown once by `keys create`, so later runs can reuse it. */
  adminKey?: string;
  /** The demo agent key (role AGENT, scope mcp:call) for MCP clients. */
  agentKey?: string;
}

export function loadOrCreateSecrets(file: string): { secrets: DemoSecrets; created: boolean } {
  if (existsSync(file)) {
    const secrets = JSON.parse(readFileSync(file, 'utf8')) as DemoSecrets;
    for (const field of ['SWITCHYARD_SECRETS_KEY', 'SWITCHYARD_AUDIT_HMAC_KEY', 'postgresPassword'] as const) {
      if (typeof secrets[field] !== 'string' || !secrets[field]) throw new Error(`${file} has no ${field}; delete .switchyard/ to start over`);
    }
    return { secrets, created: false };
  }
  const secrets: DemoSecrets = {
    SWITCHYARD_SECRETS_KEY: randomBytes(32).toString('base64'),
    SWITCHYARD_AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
    postgresPassword: randomBytes(18).toString('base64url'),
  };
  saveSecrets(file, secrets);
  return { secrets, created: true };
}

export function saveSecrets(file: string, secrets: DemoSecrets): void {
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
}
