// The runner agent in process, against a real nats-server in operator mode with runner JWTs:
// heartbeats, control messages, calls, renewal, refusal, permission violations and the drain.
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { jest } from '@jest/globals';
import type { Msg } from '@nats-io/transport-node';
import { callAckSchema, callMessageSchema, decode, encode, heartbeatSchema, RUNNER_PROTOCOL_VERSION, subjects, type CallAck, type Heartbeat } from '@switchyard/protocol';
import { RunnerAgent, type RunnerAgentOptions } from '../src/agent/runner-agent.js';
import type { ServerStatus } from '../src/supervisor/server-status.js';
import { enrolledRunner, renewalResponder, startNatsWorld, type EnrolledRunner, type NatsWorld } from './agent-fixtures.js';
import { capturingLogger } from './supervisor-fixtures.js';
import { waitFor } from './wait-for.js';

jest.setTimeout(30_000);

const RUNNING: ServerStatus = {
  deploymentId: 'dep-1',
  versionId: 'ver-1',
  serverName: 'everything',
  transport: 'STDIO',
  state: 'RUNNING',
  restarts: 2,
  reason: null,
  pid: 4242,
  since: 0,
};

const callMessage = (callId: string) =>
  encode(callMessageSchema, {
    v: RUNNER_PROTOCOL_VERSION,
    callId,
    sessionId: 'session-1',
    deploymentId: 'dep-1',
    versionId: 'ver-1',
    message: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
  });

const accept = (msg: Msg, callId: string) => msg.respond(encode(callAckSchema, { v: RUNNER_PROTOCOL_VERSION, callId, status: 'accepted' }));

describe('RunnerAgent against nats-server (operator mode)', () => {
  let world: NatsWorld;
  const agents: RunnerAgent[] = [];

  beforeAll(async () => {
    world = await startNatsWorld();
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.shutdown()));
  });
  afterAll(() => world.close());

  const makeAgent = (runner: EnrolledRunner, overrides: Partial<RunnerAgentOptions> = {}) => {
    const log = capturingLogger();
    const stopAll = jest.fn(async () => undefined);
    const sut = new RunnerAgent({
      runnerId: runner.runnerId,
      natsUrls: [world.nats.url],
      credentials: runner.credentials,
      caPem: null,
      supervisor: { status: () => [RUNNING], stopAll },
      logger: log.logger,
      softwareVersion: '9.9.9',
      capacity: 3,
      heartbeatIntervalMs: 200,
      drainGraceMs: 2_000,
      detectGpus: async () => [{ index: 0, uuid: 'GPU-1', name: 'NVIDIA L4', memoryTotalMiB: 23034, memoryUsedMiB: null, utilizationPercent: 7 }],
      reconnectTimeWaitMs: 100,
      ...overrides,
    });
    agents.push(sut);
    return { sut, log, stopAll };
  };

  const heartbeatsOf = (runnerId: string) => {
    const received: Array<Heartbeat & { receivedAt: number }> = [];
    const subscription = world.cp.subscribe(subjects.cpHeartbeat(runnerId), {
      callback: (_error, msg) => {
        received.push({ ...decode(heartbeatSchema, msg.data), receivedAt: Date.now() });
      },
    });
    return { received, stop: () => subscription.unsubscribe() };
  };

  it('sends heartbeats with its version, capacity, in-flight count, servers and GPUs', async () => {
    const runner = await enrolledRunner(world, 600);
    const heartbeats = heartbeatsOf(runner.runnerId);
    await world.cp.flush();
    const { sut } = makeAgent(runner);
    sut.setInFlightCounter(() => 2);

    await sut.start();
    await waitFor(() => heartbeats.received.length >= 2, '2 heartbeats');

    expect(heartbeats.received.map((h) => h.seq).slice(0, 2)).toEqual([0, 1]);
    expect(heartbeats.received[0]).toMatchObject({
      v: RUNNER_PROTOCOL_VERSION,
      softwareVersion: '9.9.9',
      capacity: 3,
      inFlight: 2,
      servers: [{ deploymentId: 'dep-1', versionId: 'ver-1', state: 'RUNNING', restarts: 2, pid: 4242 }],
      gpus: [{ index: 0, uuid: 'GPU-1', name: 'NVIDIA L4', memoryTotalMiB: 23034, utilizationPercent: 7 }],
      draining: false,
    });
    expect(heartbeats.received[0]?.gpus[0]).not.toHaveProperty('memoryUsedMiB');
    heartbeats.stop();
  });

  it('sends one early heartbeat for a burst of heartbeatSoon() (a server changed state), then keeps its rhythm', async () => {
    const runner = await enrolledRunner(world, 600);
    const heartbeats = heartbeatsOf(runner.runnerId);
    await world.cp.flush();
    const { sut } = makeAgent(runner, { heartbeatIntervalMs: 60_000 });
    await sut.start();
    await waitFor(() => heartbeats.received.length >= 1, 'the first heartbeat');

    sut.heartbeatSoon();
    sut.heartbeatSoon();
    sut.heartbeatSoon();
    await waitFor(() => heartbeats.received.length >= 2, 'the early heartbeat');
    await world.cp.flush();
    await new Promise((resolve) => setTimeout(resolve, 300));

    // The interval is a minute: the only second heartbeat is the early one, sent once.
    expect(heartbeats.received.map((h) => h.seq)).toEqual([0, 1]);
    heartbeats.stop();
  });

  it('hands control messages to their handlers in order, skips an invalid one without logging its content', async () => {
    const runner = await enrolledRunner(world, 600);
    const { sut, log } = makeAgent(runner);
    const seen: string[] = [];
    sut.onControl('assignment', async (message) => {
      await new Promise((resolve) => setTimeout(resolve, 50)); // a slow handler must not be overtaken
      seen.push(`assignment ${message.seq}`);
    });
    sut.onControl('secrets', (message) => void seen.push(`secrets ${Object.keys(message.values).join(',')}`));
    await sut.start();

    const ctl = subjects.runCtl(runner.runnerId);
    world.cp.publish(ctl, JSON.stringify({ v: RUNNER_PROTOCOL_VERSION, type: 'assignment', seq: 1, placements: [] }));
    world.cp.publish(ctl, JSON.stringify({ v: RUNNER_PROTOCOL_VERSION, type: 'secrets', versionId: 'ver-1', values: { API_TOKEN: 42, LEAKED: 'hunter2' } }));
    world.cp.publish(ctl, JSON.stringify({ v: RUNNER_PROTOCOL_VERSION, type: 'secrets', versionId: 'ver-1', values: { API_TOKEN: 'hunter3' } }));
    await waitFor(() => seen.length >= 2, 'two handled control messages');

    expect(seen).toEqual(['assignment 1', 'secrets API_TOKEN']);
    expect(log.lines().filter((line) => line.msg === 'ignoring an invalid control message')).toHaveLength(1);
    expect(log.text()).not.toMatch(/hunter/);
  });

  it('subscribes the call handler to sy.run.<id>.call; after a drain message it answers DRAINING itself', async () => {
    const runner = await enrolledRunner(world, 600);
    const heartbeats = heartbeatsOf(runner.runnerId);
    const { sut } = makeAgent(runner);
    const handled: string[] = [];
    sut.onCall((msg) => {
      const callId = decode(callMessageSchema, msg.data).callId;
      handled.push(callId);
      accept(msg, callId);
    });
    await sut.start();

    const ack = async (callId: string): Promise<CallAck> =>
      decode(callAckSchema, (await world.cp.request(subjects.runCall(runner.runnerId), callMessage(callId), { timeout: 2_000 })).data);
    expect(await ack('call-1')).toEqual({ v: 1, callId: 'call-1', status: 'accepted' });

    world.cp.publish(subjects.runCtl(runner.runnerId), JSON.stringify({ v: RUNNER_PROTOCOL_VERSION, type: 'drain', graceMs: 1000 }));
    await waitFor(() => sut.draining, 'draining');
    expect(await ack('call-2')).toMatchObject({ callId: 'call-2', status: 'rejected', error: { code: 'DRAINING' } });
    expect(handled).toEqual(['call-1']);
    await waitFor(() => heartbeats.received.at(-1)?.draining === true, 'a draining heartbeat');
    heartbeats.stop();
  });

  it('hands a drain to a relay that drains itself, keeps passing it messages, and closes it when the grace is over', async () => {
    const runner = await enrolledRunner(world, 600);
    const { sut } = makeAgent(runner);
    const handled: string[] = [];
    const lifecycle = { drain: jest.fn(), close: jest.fn(async (_reason: string) => undefined) };
    sut.onCall((msg) => {
      const callId = decode(callMessageSchema, msg.data).callId;
      handled.push(callId);
      accept(msg, callId);
    }, lifecycle);
    sut.setInFlightCounter(() => 1);
    await sut.start();

    world.cp.publish(subjects.runCtl(runner.runnerId), JSON.stringify({ v: RUNNER_PROTOCOL_VERSION, type: 'drain', graceMs: 200 }));
    await waitFor(() => lifecycle.drain.mock.calls.length === 1, 'the relay told to drain');
    // The relay decides what it still takes (answers to in-flight calls must pass): the agent hands it on.
    await world.cp.request(subjects.runCall(runner.runnerId), callMessage('call-after-drain'), { timeout: 2_000 });
    expect(handled).toEqual(['call-after-drain']);

    await waitFor(() => lifecycle.close.mock.calls.length === 1, 'the relay closed after the grace period');
    expect(lifecycle.close.mock.calls[0]?.[0]).toMatch(/drained.*grace period is over/);
    expect(sut.draining).toBe(true);
  });

  it('on shutdown waits for the call in flight, then leaves NATS and stops its servers', async () => {
    const runner = await enrolledRunner(world, 600);
    const { sut, stopAll } = makeAgent(runner);
    let inFlight = 0;
    let finishedAt = 0;
    sut.setInFlightCounter(() => inFlight);
    sut.onCall(async (msg) => {
      inFlight += 1;
      const callId = decode(callMessageSchema, msg.data).callId;
      accept(msg, callId);
      await new Promise((resolve) => setTimeout(resolve, 600));
      finishedAt = Date.now();
      inFlight -= 1;
    });
    await sut.start();
    await world.cp.request(subjects.runCall(runner.runnerId), callMessage('long-call'), { timeout: 2_000 });

    await sut.shutdown();

    expect(finishedAt).toBeGreaterThan(0);
    expect(stopAll).toHaveBeenCalledTimes(1);
    expect(sut.connection?.isClosed()).toBe(true);
    await expect(sut.exited).resolves.toEqual({ reason: 'shutdown' });
  });

  it('gives up on in-flight calls after the grace period', async () => {
    const runner = await enrolledRunner(world, 600);
    const { sut, log } = makeAgent(runner, { drainGraceMs: 500 });
    sut.setInFlightCounter(() => 1); // a call that never ends
    await sut.start();

    const started = Date.now();
    await sut.shutdown();

    // It waited for the grace, then gave up: shutdown() resolves although the call never ends.
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(log.lines().some((line) => line.msg === 'drain grace period over; abandoning in-flight calls')).toBe(true);
  });

  it('renews its JWT at about 2/3 of its lifetime, rewrites runner.creds and outlives the old JWT', async () => {
    const runner = await enrolledRunner(world, 3);
    const original = runner.credentials.jwt;
    const originalExpiry = runner.credentials.times().expiresAt!.getTime();
    const responder = renewalResponder(world, new Map([[runner.runnerId, runner.publicKey]]), 600);
    const heartbeats = heartbeatsOf(runner.runnerId);
    const { sut, log } = makeAgent(runner);
    await sut.start();

    await waitFor(() => responder.requests.length > 0, 'a renewal request', { timeoutMs: 5_000 });
    expect(responder.requests[0]).toEqual({ runnerId: runner.runnerId, publicKey: runner.publicKey });
    await waitFor(() => readFileSync(runner.credsFile, 'utf8').includes(runner.credentials.jwt) && runner.credentials.jwt !== original, 'the renewed JWT on disk');
    expect(statSync(runner.credsFile).mode & 0o777).toBe(0o600);

    // Past the old JWT's expiry (nats-server enforces whole seconds), still connected and beating.
    await waitFor(() => Date.now() > originalExpiry + 1_500, 'the old JWT to be over', { timeoutMs: 6_000 });
    const afterExpiry = heartbeats.received.length;
    await waitFor(() => heartbeats.received.length > afterExpiry + 1, 'heartbeats after the old expiry');
    expect(sut.connection?.isClosed()).toBe(false);
    expect(log.lines().map((line) => line.msg)).toContain('reconnecting to NATS with the renewed credentials');
    responder.stop();
    heartbeats.stop();
  });

  it('stops when the control plane refuses the renewal', async () => {
    const runner = await enrolledRunner(world, 3);
    const responder = renewalResponder(world, new Map(), 600);
    responder.refuseWith({ code: 'REVOKED', message: 'revoked by an operator' });
    const { sut, stopAll } = makeAgent(runner);
    await sut.start();

    await expect(sut.exited).resolves.toEqual({ reason: 'credentials-refused', message: 'REVOKED: revoked by an operator' });
    expect(stopAll).toHaveBeenCalledTimes(1);
    responder.stop();
  });

  it('logs a publish the server refused (publish() itself does not throw)', async () => {
    const runner = await enrolledRunner(world, 600);
    const { sut, log } = makeAgent(runner);
    await sut.start();

    sut.connection?.publish('sy.cp.another-runner.hb', 'spoofed');
    await waitFor(() => log.lines().find((line) => line.operation === 'publish'), 'the permissions violation in the log');

    expect(log.lines().find((line) => line.operation === 'publish')).toMatchObject({ level: 50, subject: 'sy.cp.another-runner.hb' });
    expect(sut.connection?.isClosed()).toBe(false);
  });

  it('keeps trying while NATS is unreachable, and a shutdown then stops it', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const runner = await enrolledRunner(world, 600);
    const { sut, log } = makeAgent(runner, { natsUrls: [`nats://127.0.0.1:${port}`] });

    const starting = sut.start();
    await waitFor(() => log.lines().some((line) => line.msg === 'NATS not reachable yet; retrying'), 'a retry');
    await sut.shutdown();

    await starting;
    await expect(sut.exited).resolves.toEqual({ reason: 'shutdown' });
    expect(sut.connection).toBeUndefined();
  });
});
