// Helpers for the liveness and placement e2e specs: a control plane on a nats-server of its own,
// runner rows with real NATS credentials, runner connections and heartbeats.
import { createUser, type KeyPair } from '@nats-io/jwt';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import type { NatsHandle } from '@switchyard/devstack';
import { waitFor as sharedWaitFor } from '@switchyard/devstack/testing';
import { credsText } from '@switchyard/nats-auth';
import { encode, heartbeatSchema, RUNNER_PROTOCOL_VERSION, subjects, type Heartbeat } from '@switchyard/protocol';
import { RunnerCredentialsService } from '../src/nats-auth/runner-credentials.service.js';
import { RunnerLivenessService } from '../src/runners/runner-liveness.service.js';
import type { TestControlPlane } from './harness.js';
import { startControlPlaneOnOwnNats } from './own-nats.js';

export interface IsolatedControlPlane {
  cp: TestControlPlane;
  nats: NatsHandle;
  close(): Promise<void>;
}

/**
 * A control plane with a nats-server (and auth bundle) of its own: fencing revokes keys in the APP
 * account JWT, and a shared server's account would then lose other test files' revocations.
 * Resolves once liveness has reconciled, so runner rows created afterwards are judged by events.
 */
export async function startIsolatedControlPlane(): Promise<IsolatedControlPlane> {
  const own = await startControlPlaneOnOwnNats('liveness-e2e');
  await own.cp.app.get(RunnerLivenessService).ready();
  return { cp: own.cp, nats: own.nats, close: () => own.close() };
}

export interface TestRunner {
  id: string;
  publicKey: string;
  key: KeyPair;
  /** .creds text: user JWT + the runner's seed. */
  creds: string;
}

let runnerSeq = 0;

/** A Runner row (as enrollment would create it) and NATS credentials for its own key. */
export async function createRunner(cp: TestControlPlane, nodepoolId: string, data: { capacity?: number; name?: string } = {}): Promise<TestRunner> {
  const key = createUser();
  const runner = await cp.prisma.runner.create({
    data: { nodepoolId, name: data.name ?? `host-${++runnerSeq}`, publicKey: key.getPublicKey(), capacity: data.capacity ?? 0 },
  });
  const { jwt } = await cp.app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId: runner.id, runnerPublicKey: key.getPublicKey() });
  return { id: runner.id, publicKey: key.getPublicKey(), key, creds: credsText(jwt, key) };
}

/** Connects as the runner agent would: its creds and inbox prefix. No reconnects: a cut stays cut. */
export function connectAs(natsUrl: string, runner: TestRunner): Promise<NatsConnection> {
  return connect({
    servers: natsUrl,
    name: `runner-${runner.id}`,
    inboxPrefix: subjects.runnerInboxPrefix(runner.id),
    authenticator: credsAuthenticator(new TextEncoder().encode(runner.creds)),
    maxReconnectAttempts: 0,
    timeout: 3_000,
  });
}

export function heartbeatOf(seq: number, overrides: Partial<Heartbeat> = {}): Uint8Array {
  return encode(heartbeatSchema, {
    v: RUNNER_PROTOCOL_VERSION,
    seq,
    sentAt: new Date().toISOString(),
    softwareVersion: '0.4.2',
    capacity: 4,
    inFlight: 0,
    servers: [],
    gpus: [],
    draining: false,
    ...overrides,
  });
}

/** Publishes one heartbeat as the runner and waits until the server has it. */
export async function sendHeartbeat(nc: NatsConnection, runner: TestRunner, seq: number, overrides: Partial<Heartbeat> = {}): Promise<void> {
  nc.publish(subjects.cpHeartbeat(runner.id), heartbeatOf(seq, overrides));
  await nc.flush();
}

/** waitFor with this file's positional timeout (libs/devstack's, which every test shares). */
export function waitFor<T>(condition: () => T | Promise<T>, description: string, timeoutMs = 5_000, intervalMs = 10): Promise<NonNullable<T>> {
  return sharedWaitFor(condition, description, { timeoutMs, intervalMs });
}
