import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnChild } from './child.js';
import { findBinary } from './find-binary.js';
import { getFreePort } from './free-port.js';
import { waitUntilReady } from './probe.js';
import { retryOnPortClash } from './port-clash.js';

export interface RedisOptions {
  /** Fixed port; without it a free one is chosen (and re-chosen if another process grabs it first). */
  port?: number;
  /** Working directory (and data directory when persistent). Default: the OS temp dir. */
  dir?: string;
  /** Keep data across restarts (append-only file in `dir`). Default false: a cache, nothing on disk. */
  persistent?: boolean;
  logFile?: string;
}

export interface RedisHandle {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

const REDIS_BINARY = { name: 'redis-server', envVar: 'SWITCHYARD_REDIS_SERVER_BIN', debianPackage: 'redis-server' };

/** Starts redis-server on 127.0.0.1 and resolves once it answers PING. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisHandle> {
  const binary = findBinary(REDIS_BINARY);
  const dir = options.dir ?? tmpdir();
  mkdirSync(dir, { recursive: true });
  return retryOnPortClash(options.port === undefined, async () => {
    const port = options.port ?? (await getFreePort());
    const persistence = options.persistent ? ['--appendonly', 'yes'] : ['--save', '', '--appendonly', 'no'];
    const child = spawnChild({
      name: 'redis-server',
      command: binary,
      args: ['--bind', '127.0.0.1', '--port', String(port), '--protected-mode', 'yes', '--daemonize', 'no', '--dir', dir, ...persistence],
      cwd: dir,
      logFile: options.logFile,
      stopSignal: 'SIGTERM',
    });
    // The answer must come from our process (its pid is redis's: setpriv execs in place), not
    // from another server that already held the port while ours was failing to bind it.
    const ours = `process_id:${child.process.pid}\r\n`;
    await waitUntilReady(child, {
      port,
      send: 'INFO server\r\nPING\r\n',
      ready: (received) => received.includes(ours) && received.includes('\r\n+PONG\r\n'),
    });
    return { url: `redis://127.0.0.1:${port}`, port, process: child.process, stop: () => child.stop() };
  });
}
