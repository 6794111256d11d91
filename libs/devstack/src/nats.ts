import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderNatsServerConfig, type NatsAuthBundle } from '@switchyard/nats-auth';
import { spawnChild } from './child.js';
import { findBinary } from './find-binary.js';
import { getFreePort } from './free-port.js';
import { waitUntilReady } from './probe.js';
import { retryOnPortClash } from './port-clash.js';

export interface NatsOptions {
  /** Fixed port; without it a free one is chosen. Overrides any `listen` in the config file. */
  port?: number;
  /** nats-server config file (accounts, users, permissions); host and port still come from us. */
  configFile?: string;
  /**
   * Operator (JWT) mode with this bundle: writes `<dir>/nats.conf` with the bundle's config
   * fragment and a resolver directory of this server's own (`<dir>/jwt`, which keeps pushed
   * account JWTs across restarts of the same dir). Needs `dir`; excludes `configFile`.
   */
  auth?: NatsAuthBundle;
  /** Working directory; also holds the JetStream store when `jetstream` is on. */
  dir?: string;
  jetstream?: boolean;
  logFile?: string;
  /**
   * Serve clients over TLS with this certificate (PEM files): every client must then use TLS
   * (nats-server 2.9 has no plain fallback on the same port). Needs `dir`; excludes `configFile`.
   */
  tls?: NatsTlsOptions;
}

export interface NatsTlsOptions {
  certFile: string;
  keyFile: string;
}

export interface NatsHandle {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

const NATS_BINARY = { name: 'nats-server', envVar: 'SWITCHYARD_NATS_SERVER_BIN', debianPackage: 'nats-server' };

/** Starts nats-server on 127.0.0.1 and resolves once it greets a TCP client with INFO. */
export async function startNats(options: NatsOptions = {}): Promise<NatsHandle> {
  const binary = findBinary(NATS_BINARY);
  if (options.dir) mkdirSync(options.dir, { recursive: true });
  if (options.jetstream && !options.dir) throw new Error('startNats: jetstream needs a dir for its store');
  const configFile = options.auth || options.tls ? writeGeneratedConfig(options) : options.configFile;
  return retryOnPortClash(options.port === undefined, async () => {
    const port = options.port ?? (await getFreePort());
    // A unique server name lets the readiness probe tell our server from one that already held the port.
    const serverName = `devstack-${process.pid}-${randomBytes(4).toString('hex')}`;
    const args = ['-a', '127.0.0.1', '-p', String(port), '-n', serverName];
    if (configFile) args.push('-c', configFile);
    if (options.jetstream && options.dir) args.push('-js', '-sd', join(options.dir, 'jetstream'));
    const child = spawnChild({
      name: 'nats-server',
      command: binary,
      args,
      cwd: options.dir,
      logFile: options.logFile,
      stopSignal: 'SIGTERM',
    });
    // The server speaks first (INFO, before any auth), so this works with any config.
    await waitUntilReady(child, { port, ready: (received) => received.startsWith('INFO ') && received.includes(`"server_name":"${serverName}"`) });
    return { url: `nats://127.0.0.1:${port}`, port, process: child.process, stop: () => child.stop() };
  });
}

/** `<dir>/nats.conf` for operator mode and/or TLS; rewritten identically when the server is restarted. */
function writeGeneratedConfig(options: NatsOptions): string {
  const what = options.auth ? 'operator mode (auth)' : 'tls';
  if (!options.dir) throw new Error(`startNats: ${what} needs a dir for its config${options.auth ? ' and resolver' : ''}`);
  if (options.configFile) throw new Error(`startNats: give either ${what} or configFile, not both`);
  const file = join(options.dir, 'nats.conf');
  // Absolute resolver dir: nats-server resolves relative paths against its cwd, not the config file.
  const parts = options.auth ? [renderNatsServerConfig(options.auth, { resolverDir: join(options.dir, 'jwt') })] : [];
  if (options.tls) parts.push(renderTlsBlock(options.tls));
  writeFileSync(file, parts.join('\n'), { mode: 0o600 });
  return file;
}

/** nats-conf strings are double-quoted with JSON's escapes. */
function renderTlsBlock(tls: NatsTlsOptions): string {
  return ['tls: {', `  cert_file: ${JSON.stringify(tls.certFile)}`, `  key_file: ${JSON.stringify(tls.keyFile)}`, '  timeout: 2', '}', ''].join('\n');
}
