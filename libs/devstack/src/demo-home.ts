import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeSearchableDir } from './postgres.js';
import { canAccess, postgresRunAs } from './postgres-user.js';

export interface DemoPaths {
  /** <repo>/.switchyard */
  home: string;
  logs: string;
  secrets: string;
  demoJson: string;
  /** nats-server's dir (config, resolver JWTs) and the NATS auth bundle `nats/nats-auth.json`. */
  nats: string;
  natsAuth: string;
  /** The demo runner: its config and data directory (identity and NATS credentials, 0600). */
  runner: string;
  /** Postgres cluster; under home unless the Postgres user cannot reach it (see below). */
  postgres: string;
}

/** `home` defaults to <repo>/.switchyard; tests point SWITCHYARD_DEMO_HOME elsewhere. */
export function prepareDemoHome(home: string): DemoPaths {
  mkdirSync(home, { recursive: true });
  const runAs = postgresRunAs();
  // As root, Postgres runs as "postgres" and must traverse .switchyard to its cluster; the
  // secrets inside stay 0600, so o+x (no listing) is all others get.
  chmodSync(home, runAs ? 0o711 : 0o700);
  const logs = join(home, 'logs');
  mkdirSync(logs, { recursive: true, mode: 0o700 });
  const nats = join(home, 'nats');
  mkdirSync(nats, { recursive: true, mode: 0o700 });
  let postgres = join(home, 'postgres');
  if (runAs && !canAccess(runAs, home, '-x')) {
    // A checkout under /root (0700): keep the cluster outside it, stable per checkout.
    const id = createHash('sha256').update(home).digest('hex').slice(0, 10);
    const outside = join('/var/tmp', `switchyard-demo-${id}`);
    makeSearchableDir(outside);
    postgres = join(outside, 'postgres');
  }
  return {
    home,
    logs,
    secrets: join(home, 'secrets.json'),
    demoJson: join(home, 'demo.json'),
    nats,
    natsAuth: join(nats, 'nats-auth.json'),
    runner: join(home, 'runner'),
    postgres,
  };
}
