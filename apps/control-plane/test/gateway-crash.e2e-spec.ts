// A control plane killed (SIGKILL: no shutdown hook runs) in the middle of a tool call leaves the
// call's audit row saying so: PENDING — started, never finished — with who called what, and the
// arguments only as their HMAC. The killed gateway is a real process (apps/control-plane/dist);
// a second, in-process control plane on the same database and Redis set up the server and runner.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ApiKeyRole } from '@switchyard/db';
import { getFreePort, spawnChild, type ManagedChild } from '@switchyard/devstack';
import { waitFor } from '@switchyard/devstack/testing';
import { CLI_ACTOR } from '../src/admin-events/actor.js';
import { ApiKeysService } from '../src/api-keys/api-keys.service.js';
import { placeEverything, type PlacedEverything } from './gateway-fixtures.js';
import { startControlPlane, testConfigEnv, type TestControlPlane } from './harness.js';

const CONTROL_PLANE_MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
const SLOW = 90_000;

describe('gateway: a control plane killed mid-call', () => {
  let setup: TestControlPlane;
  let placed: PlacedEverything;
  let gateway: ManagedChild;
  let gatewayUrl: string;
  let agentKey: string;

  beforeAll(async () => {
    readFileSync(CONTROL_PLANE_MAIN); // a clear ENOENT: build first
    setup = await startControlPlane();
    placed = await placeEverything(setup);
    agentKey = (await setup.app.get(ApiKeysService).create(CLI_ACTOR, { name: 'crash-agent', role: ApiKeyRole.AGENT })).key;
    const port = await getFreePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    gateway = spawnChild({
      name: 'control plane (to be killed)',
      command: process.execPath,
      args: [CONTROL_PLANE_MAIN],
      env: { PATH: process.env.PATH ?? '', ...testConfigEnv(setup.database.url, { SWITCHYARD_PORT: String(port), SWITCHYARD_LOG_LEVEL: 'warn' }) },
      stopTimeoutMs: 5_000,
    });
    await waitFor(async () => (await fetch(`${gatewayUrl}/readyz`).catch(() => undefined))?.status === 200, `the gateway process's /readyz (${gateway.outputTail()})`, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
  }, SLOW);

  afterAll(async () => {
    await gateway?.stop();
    await placed?.runner.stop();
    await setup?.close();
  });

  it('leaves the call PENDING (started, not finished) with its caller, server, version and HMAC', async () => {
    const client = new Client({ name: 'crash-e2e', version: '0.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${gatewayUrl}/mcp/${placed.serverName}`), { requestInit: { headers: { Authorization: `Bearer ${agentKey}` } } });
    await client.connect(transport);
    let progressed = false;
    const call = client
      .callTool({ name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 30 } }, undefined, { onprogress: () => (progressed = true), timeout: 60_000 })
      .catch((error: unknown) => error);
    await waitFor(() => progressed, 'the call to be running upstream');

    gateway.process.kill('SIGKILL');
    await gateway.exited;

    const rows = await setup.prisma.toolInvocation.findMany({ where: { sessionId: transport.sessionId! } });
    expect(rows).toEqual([
      expect.objectContaining({
        tool: 'trigger-long-running-operation',
        serverName: placed.serverName,
        versionId: placed.versionId,
        runnerId: placed.runnerId,
        outcome: 'PENDING',
        finishedAt: null,
        latencyMs: null,
        argumentsHmac: expect.stringMatching(/^[0-9a-f]{64}$|^[A-Za-z0-9_-]{43}=?$/),
      }),
    ]);
    expect(rows[0]!.startedAt).toBeInstanceOf(Date);
    expect(JSON.stringify(rows[0])).not.toContain('"duration"');
    await client.close().catch(() => undefined);
    // The client lost its stream: closing it fails the call rather than leave it waiting.
    expect(await call).toBeInstanceOf(Error);
  }, SLOW);
});
