import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser } from '@nats-io/jwt';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { testNatsAuth } from '@switchyard/devstack/nats-testing';
import { testEnv } from '@switchyard/devstack/testing';
import { credsText, signUserJwt } from '@switchyard/nats-auth';
import {
  callAckSchema,
  ChunkAssembler,
  decode,
  decodeChunkFrame,
  encode,
  isChunkFrame,
  RUNNER_PROTOCOL_VERSION,
  runnerPermissions,
  subjects,
  upstreamMessageSchema,
  callMessageSchema,
  type CallAck,
  type CallMessage,
  type JsonRpcMessage,
  type UpstreamMessage,
} from '@switchyard/protocol';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { createCallHandler, type CallHandler } from '../src/relay/call-handler.js';
import { ServerSupervisor } from '../src/supervisor/server-supervisor.js';
import { waitFor } from './wait-for.js';

const require = createRequire(import.meta.url);

/** The stdio MCP server of the relay tests (large results, cancellation, crash): see the file. */
export const RELAY_FIXTURE_SERVER = fileURLToPath(new URL('./fixtures/relay-fixture-server.mjs', import.meta.url));
export const EVERYTHING_ENTRY = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');

/** The text the fixture's `large` tool returns (same function as in relay-fixture-server.mjs). */
export function largeText(bytes: number): string {
  const unit = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

/** Creds text for a runner: its own key, a JWT with exactly the runner's permissions (as enrollment issues). */
export async function runnerCreds(runnerId: string): Promise<string> {
  const { bundle } = testNatsAuth();
  const key = createUser();
  const jwt = await signUserJwt({
    name: `runner-${runnerId}`,
    userPublicKey: key.getPublicKey(),
    accountPublicKey: bundle.appAccount.publicKey,
    accountSigningSeed: bundle.appAccount.signingSeed,
    permissions: runnerPermissions(runnerId),
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  return credsText(jwt, key);
}

/** Connects as runner `runnerId` would: its own credentials and inbox prefix. */
export async function connectRunner(runnerId: string, servers = testEnv().natsUrl): Promise<NatsConnection> {
  return connect({
    servers,
    name: `runner-${runnerId}`,
    inboxPrefix: subjects.runnerInboxPrefix(runnerId),
    authenticator: credsAuthenticator(new TextEncoder().encode(await runnerCreds(runnerId))),
    timeout: 5_000,
  });
}

/** Connects as the control plane (its own user of the APP account: no permission limits). */
export function connectControlPlane(servers = testEnv().natsUrl): Promise<NatsConnection> {
  return connect({ servers, name: 'relay-test-control-plane', authenticator: credsAuthenticator(new TextEncoder().encode(testNatsAuth().bundle.controlPlaneUser.creds)), timeout: 5_000 });
}

export const initializeRequest = (id: number | string, capabilities: Record<string, unknown> = {}): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities, clientInfo: { name: 'relay-test', version: '0.0.0' } },
});

/**
 * The control plane's side in the runner's tests, on raw NATS: sends calls as requests and
 * records what the runner publishes on `sy.cp.<id>.msg` (reassembled, decoded), plus how many
 * chunk frames it took.
 */
export class ControlPlaneProbe {
  readonly received: UpstreamMessage[] = [];
  frames = 0;
  private readonly assembler = new ChunkAssembler();

  constructor(
    private readonly nc: NatsConnection,
    private readonly runnerId: string,
  ) {
    nc.subscribe(subjects.cpMessages(runnerId), {
      callback: (_error, msg) => {
        let bytes: Uint8Array | undefined = msg.data;
        if (isChunkFrame(bytes)) {
          this.frames += 1;
          bytes = this.assembler.add(decodeChunkFrame(bytes), Date.now());
        }
        if (bytes !== undefined) this.received.push(decode(upstreamMessageSchema, bytes));
      },
    });
  }

  /** Waits until the server has the subscription (so no early message is missed). */
  ready(): Promise<void> {
    return this.nc.flush();
  }

  async call(target: { sessionId: string; deploymentId: string; versionId: string }, message: JsonRpcMessage, extra: Partial<CallMessage> = {}): Promise<CallAck> {
    const call: CallMessage = { v: RUNNER_PROTOCOL_VERSION, callId: randomUUID(), ...target, message, ...extra };
    const reply = await this.nc.request(subjects.runCall(this.runnerId), encode(callMessageSchema, call), { timeout: 10_000 });
    return decode(callAckSchema, reply.data);
  }

  /** The session's messages so far, in seq order. */
  of(sessionId: string): UpstreamMessage[] {
    return this.received.filter((m) => m.sessionId === sessionId).sort((a, b) => a.seq - b.seq);
  }

  /** Waits for the first message of the session matching `match`. */
  waitFor(sessionId: string, match: (message: UpstreamMessage) => boolean, description: string, timeoutMs = 15_000): Promise<UpstreamMessage> {
    return waitFor(() => this.of(sessionId).find(match), description, { timeoutMs });
  }

  /** Waits for the JSON-RPC response with this id. */
  response(sessionId: string, id: number | string, timeoutMs?: number): Promise<UpstreamMessage & { kind: 'message' }> {
    return this.waitFor(sessionId, (m) => m.kind === 'message' && 'id' in m.message && m.message.id === id && !('method' in m.message), `the response to request ${id}`, timeoutMs) as Promise<
      UpstreamMessage & { kind: 'message' }
    >;
  }
}

/** The runner's side of the relay in this process, and the control plane's side as a probe. */
export interface RelayRig {
  runnerId: string;
  /** The runner's connection: its own JWT and inbox prefix. */
  runnerNats: NatsConnection;
  /** The control plane's connection (a raw one, under the probe). */
  cpNats: NatsConnection;
  probe: ControlPlaneProbe;
  supervisor: ServerSupervisor;
  /** The call handler, subscribed to `sy.run.<id>.call` on the runner's connection. */
  sut: CallHandler;
  /** Stops the supervised servers, then closes both connections. */
  close(): Promise<void>;
}

/**
 * A fresh runner id with its relay against the run's nats-server (operator mode, a runner JWT of
 * exactly the runner's permissions), its supervisor empty, and a ControlPlaneProbe that is ready.
 */
export async function startRelayRig(logger: Logger): Promise<RelayRig> {
  const runnerId = randomUUID();
  const runnerNats = await connectRunner(runnerId);
  const cpNats = await connectControlPlane();
  const probe = new ControlPlaneProbe(cpNats, runnerId);
  await probe.ready();
  const supervisor = new ServerSupervisor({ logger, stopGraceMs: 2_000 });
  const sut = createCallHandler({ nc: runnerNats, runnerId, supervisor, logger });
  runnerNats.subscribe(subjects.runCall(runnerId), { callback: (_error, msg) => void sut(msg) });
  await runnerNats.flush();
  return {
    runnerId,
    runnerNats,
    cpNats,
    probe,
    supervisor,
    sut,
    close: async () => {
      await supervisor.stopAll();
      await Promise.all([runnerNats.close(), cpNats.close()]);
    },
  };
}
