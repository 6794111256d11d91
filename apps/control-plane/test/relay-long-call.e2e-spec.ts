// A call far longer than every timeout the relay has (the runner's ack, a gap in the message
// sequence) still completes: results have no timeout, only the runner's liveness decides that a
// call is lost. Real runner process and server-everything's long-running operation.
import { randomUUID } from 'node:crypto';
import { createUser } from '@nats-io/jwt';
import { testEnv } from '@switchyard/devstack/testing';
import { credsText } from '@switchyard/nats-auth';
import { pino } from 'pino';
import { NatsLink } from '../src/connections/nats-link.js';
import { RunnerCredentialsService } from '../src/nats-auth/runner-credentials.service.js';
import { RunnerRelay } from '../src/relay/runner-relay.js';
import { startControlPlane, type TestControlPlane } from './harness.js';
import { RelayTestClient } from './relay-client.js';
import { EVERYTHING_ENTRY, startRunnerProcess, stdioPlacement, type RunnerProcess } from './relay-runner-process.js';

const DEPLOYMENT = 'dep-long';
/** Every timeout of this relay; the call below runs ten times as long. */
const RELAY_TIMEOUT_MS = 300;

describe('relay: a call longer than every relay timeout', () => {
  let cp: TestControlPlane;
  let runner: RunnerProcess;
  let runnerId: string;
  let sut: RunnerRelay;

  beforeAll(async () => {
    cp = await startControlPlane();
    const nodepoolId = (await cp.prisma.nodepool.create({ data: { name: 'long-calls', kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } })).id;
    const key = createUser();
    runnerId = (await cp.prisma.runner.create({ data: { nodepoolId, name: 'long-calls-1', publicKey: key.getPublicKey() } })).id;
    const { jwt } = await cp.app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId, runnerPublicKey: key.getPublicKey() });
    runner = await startRunnerProcess({ natsUrl: testEnv().natsUrl, runnerId, creds: credsText(jwt, key), placements: [stdioPlacement(DEPLOYMENT, 'everything', EVERYTHING_ENTRY, ['stdio'])] });
    sut = new RunnerRelay(cp.app.get(NatsLink), pino({ level: 'silent' }), { ackTimeoutMs: RELAY_TIMEOUT_MS, gapTimeoutMs: RELAY_TIMEOUT_MS, connectTimeoutMs: 5_000 });
  }, 60_000);

  afterAll(async () => {
    await sut?.onApplicationShutdown();
    await runner?.stop();
    await cp?.close();
  });

  it('completes with its progress notifications and result', async () => {
    const client = new RelayTestClient(sut.openSession(runnerId, { sessionId: randomUUID(), deploymentId: DEPLOYMENT, versionId: 'ver-1' }));
    await client.initialize();
    const durationSeconds = (RELAY_TIMEOUT_MS * 10) / 1000;

    const { response } = await client.request(
      'tools/call',
      { name: 'trigger-long-running-operation', arguments: { duration: durationSeconds, steps: 3 }, _meta: { progressToken: 'long' } },
      {},
      60_000,
    );

    expect(response).toMatchObject({ result: { content: [expect.objectContaining({ type: 'text' })] } });
    const progress = client.messages().filter((message) => 'method' in message && message.method === 'notifications/progress');
    expect(progress).toHaveLength(3);
    expect(client.failure).toBeUndefined();
    client.session.close();
  }, 60_000);
});
