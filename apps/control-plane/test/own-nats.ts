// A control plane on a nats-server of the test file's own, for files that change what the server
// holds for everyone: revocations and fencing rewrite the APP account JWT, restarts cut every
// connection. A shared server's account would lose other test files' revocations, or they ours.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats, type NatsHandle } from '@switchyard/devstack';
import { createNatsAuthBundle, type NatsAuthBundle } from '@switchyard/nats-auth';
import { startControlPlane, type TestControlPlane } from './harness.js';

export interface OwnNatsControlPlane {
  cp: TestControlPlane;
  /** The running nats-server: a new handle after startNats(). */
  readonly nats: NatsHandle;
  /** The operator, accounts and users of this server (the control plane reads them from a file in `dir`). */
  bundle: NatsAuthBundle;
  /** A temp dir of this fixture's own (the server's is `nats/` in it), removed by close(). */
  dir: string;
  /** Stops the nats-server (a restart's first half: the control plane and clients stay). */
  stopNats(): Promise<void>;
  /** Starts it again on the same port and resolver dir: the same server to its clients. */
  startNats(): Promise<NatsHandle>;
  close(): Promise<void>;
}

/**
 * nats-server in operator mode with a fresh auth bundle (operator `name`), and a control plane
 * (the harness's, on the shared Postgres and Redis) on it with the bundle's file.
 */
export async function startControlPlaneOnOwnNats(name: string): Promise<OwnNatsControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const bundle = (await createNatsAuthBundle({ operatorName: name })).bundle;
  const bundleFile = join(dir, 'nats-auth.json');
  writeFileSync(bundleFile, JSON.stringify(bundle), { mode: 0o600 });
  const natsOptions = { dir: join(dir, 'nats'), auth: bundle };
  let nats = await startNats(natsOptions);
  let cp: TestControlPlane;
  try {
    cp = await startControlPlane({ SWITCHYARD_NATS_URL: nats.url, SWITCHYARD_NATS_AUTH_FILE: bundleFile });
  } catch (error) {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    cp,
    get nats() {
      return nats;
    },
    bundle,
    dir,
    stopNats: () => nats.stop(),
    async startNats() {
      nats = await startNats({ ...natsOptions, port: nats.port });
      return nats;
    },
    async close() {
      await cp.close();
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
