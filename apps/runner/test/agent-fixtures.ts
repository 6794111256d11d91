// A NATS world for the runner agent's tests: a nats-server of the test's own in operator mode, runner
// JWTs signed like the control plane signs them, and a stand-in for the control plane's renewal
// responder (the real one is tested in apps/control-plane).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createUser } from '@nats-io/nkeys';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { startNats, type NatsHandle } from '@switchyard/devstack';
import { createNatsAuthBundle, signUserJwt, type NatsAuthBundle } from '@switchyard/nats-auth';
import { decode, encode, parseRunnerSubject, renewRequestSchema, renewResponseSchema, runnerPermissions, RUNNER_PROTOCOL_VERSION, subjects, type RenewResponse } from '@switchyard/protocol';
import { CredentialStore } from '../src/agent/credential-store.js';
import { formatCreds } from '../src/credentials/creds.js';
import { ensurePrivateDirectory, writePrivateFile } from '../src/credentials/secret-files.js';

export interface NatsWorld {
  dir: string;
  bundle: NatsAuthBundle;
  nats: NatsHandle;
  /** The control plane's own connection (unrestricted APP user). */
  cp: NatsConnection;
  close(): Promise<void>;
}

export async function startNatsWorld(): Promise<NatsWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'runner-agent-e2e-'));
  const bundle = (await createNatsAuthBundle({ operatorName: 'runner-agent-e2e' })).bundle;
  const nats = await startNats({ dir: join(dir, 'nats'), auth: bundle });
  const cp = await connect({ servers: nats.url, authenticator: credsAuthenticator(new TextEncoder().encode(bundle.controlPlaneUser.creds)) });
  return {
    dir,
    bundle,
    nats,
    cp,
    async close() {
      await cp.close();
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A runner JWT as RunnerCredentialsService signs it: the runner's own subjects, expiring. */
export function runnerJwt(world: NatsWorld, runnerId: string, publicKey: string, ttlSeconds: number): Promise<string> {
  return signUserJwt({
    name: `runner-${runnerId}`,
    userPublicKey: publicKey,
    accountPublicKey: world.bundle.appAccount.publicKey,
    accountSigningSeed: world.bundle.appAccount.signingSeed,
    permissions: runnerPermissions(runnerId),
    expiresAt: new Date((Math.floor(Date.now() / 1000) + ttlSeconds) * 1000),
  });
}

export interface EnrolledRunner {
  runnerId: string;
  publicKey: string;
  credsFile: string;
  credentials: CredentialStore;
}

/** What `enroll` leaves behind: a data directory with runner.creds (0600) for a fresh key. */
export async function enrolledRunner(world: NatsWorld, ttlSeconds: number): Promise<EnrolledRunner> {
  const runnerId = randomUUID();
  const key = createUser();
  const dataDir = join(world.dir, runnerId);
  await ensurePrivateDirectory(dataDir);
  const credsFile = join(dataDir, 'runner.creds');
  const seed = new TextDecoder().decode(key.getSeed());
  await writePrivateFile(credsFile, formatCreds({ jwt: await runnerJwt(world, runnerId, key.getPublicKey(), ttlSeconds), seed }));
  return { runnerId, publicKey: key.getPublicKey(), credsFile, credentials: await CredentialStore.load(credsFile) };
}

/**
 * Answers renewals on sy.cp.*.renew like the control plane: a JWT for the key it knows, or the
 * refusal the test sets. Records each request.
 */
export function renewalResponder(world: NatsWorld, keys: Map<string, string>, ttlSeconds: number) {
  const requests: Array<{ runnerId: string; publicKey?: string }> = [];
  let refusal: Extract<RenewResponse, { status: 'refused' }>['error'] | undefined;
  const subscription = world.cp.subscribe(subjects.allRenewals(), {
    callback: (_error, msg) => {
      void (async () => {
        const target = parseRunnerSubject(msg.subject);
        if (!target) return;
        const request = decode(renewRequestSchema, msg.data);
        requests.push({ runnerId: target.runnerId, publicKey: request.publicKey });
        const publicKey = keys.get(target.runnerId);
        const response: RenewResponse =
          refusal || !publicKey
            ? { v: RUNNER_PROTOCOL_VERSION, status: 'refused', error: refusal ?? { code: 'UNKNOWN_RUNNER', message: 'unknown' } }
            : {
                v: RUNNER_PROTOCOL_VERSION,
                status: 'renewed',
                userJwt: await runnerJwt(world, target.runnerId, publicKey, ttlSeconds),
                jwtExpiresAt: new Date((Math.floor(Date.now() / 1000) + ttlSeconds) * 1000).toISOString(),
              };
        msg.respond(encode(renewResponseSchema, response));
      })();
    },
  });
  return {
    requests,
    refuseWith(error: Extract<RenewResponse, { status: 'refused' }>['error']) {
      refusal = error;
    },
    stop: () => subscription.unsubscribe(),
  };
}
