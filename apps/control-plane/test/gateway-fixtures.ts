import { randomUUID } from 'node:crypto';
import { createUser } from '@nats-io/jwt';
import { testEnv } from '@switchyard/devstack/testing';
import { credsText } from '@switchyard/nats-auth';
import { NatsLink } from '../src/connections/nats-link.js';
import { RunnerCredentialsService } from '../src/nats-auth/runner-credentials.service.js';
import { PlacementService } from '../src/placement/placement.service.js';
import type { TestControlPlane } from './harness.js';
import { EVERYTHING_ENTRY, startRunnerProcess, stdioPlacement, type RunnerProcess } from './relay-runner-process.js';

export interface PlacedEverything {
  serverName: string;
  nodepoolId: string;
  versionId: string;
  deploymentId: string;
  runnerId: string;
  runner: RunnerProcess;
}

/**
 * server-everything registered, deployed and placed on one HEALTHY runner: Nodepool, McpServer,
 * version and Deployment rows, a Runner row with a runner JWT, the stand-in runner process serving
 * the deployment over stdio, and the Placement the placement service makes of it.
 */
export async function placeEverything(cp: TestControlPlane, serverName = 'everything'): Promise<PlacedEverything> {
  return placeStdioServer(cp, serverName, EVERYTHING_ENTRY, ['stdio']);
}

/** As placeEverything, for any stdio server script (`node <script> …args`), e.g. RELAY_FIXTURE_SERVER. */
export async function placeStdioServer(cp: TestControlPlane, serverName: string, script: string, args: string[] = []): Promise<PlacedEverything> {
  // The control plane dials NATS in the background; on a loaded machine its first attempt may fail
  // and the retry come seconds later. The tests are about the gateway, not about that wait.
  await cp.app.get(NatsLink).connected(30_000);
  const nodepool = await cp.prisma.nodepool.create({ data: { name: `gw-${randomUUID().slice(0, 8)}`, kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } });
  const server = await cp.prisma.mcpServer.create({ data: { name: serverName } });
  const version = await cp.prisma.mcpServerVersion.create({ data: { serverId: server.id, version: '1.0.0', transport: 'STDIO', command: 'node', args: [script, ...args] } });
  const deployment = await cp.prisma.deployment.create({ data: { versionId: version.id, nodepoolId: nodepool.id, replicas: 1 } });
  const key = createUser();
  // capacity > 0: room for the replica the placement service puts on it.
  const row = await cp.prisma.runner.create({ data: { nodepoolId: nodepool.id, name: `gw-${randomUUID().slice(0, 8)}`, publicKey: key.getPublicKey(), capacity: 4 } });
  const { jwt } = await cp.app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId: row.id, runnerPublicKey: key.getPublicKey() });
  const runner = await startRunnerProcess({
    natsUrl: testEnv().natsUrl,
    runnerId: row.id,
    creds: credsText(jwt, key),
    placements: [{ ...stdioPlacement(deployment.id, serverName, script, args), versionId: version.id }],
  });
  // No heartbeats from the stand-in: lastSeenAt stays null, so the silence sweep leaves it HEALTHY.
  await cp.prisma.runner.update({ where: { id: row.id }, data: { status: 'HEALTHY' } });
  // The placement service places the replica (a pass before the runner was HEALTHY would have
  // taken away a Placement row written by hand).
  await cp.app.get(PlacementService).replan();
  const placement = await cp.prisma.placement.findFirst({ where: { deploymentId: deployment.id, runnerId: row.id } });
  if (placement === null) throw new Error(`the placement service did not place ${serverName} on the test runner`);
  return { serverName, nodepoolId: nodepool.id, versionId: version.id, deploymentId: deployment.id, runnerId: row.id, runner };
}

export interface SseEvent {
  id?: string;
  data: string;
}

/** Reads SSE events off a fetch response body, one at a time (for raw-HTTP tests of the transport). */
export class SseReader {
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  constructor(response: Response) {
    if (response.body === null) throw new Error('response has no body');
    this.reader = response.body.getReader();
  }

  /** The next event, or undefined at the end of the stream. */
  async next(): Promise<SseEvent | undefined> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const event: SseEvent = { data: '' };
        let comment = true;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          comment = false;
          const [field, ...rest] = line.split(':');
          const value = rest.join(':').replace(/^ /, '');
          if (field === 'id') event.id = value;
          if (field === 'data') event.data += value;
        }
        if (!comment) return event;
        continue;
      }
      const { value, done } = await this.reader.read();
      if (done) return undefined;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** Every remaining event, until the server ends the stream. */
  async rest(): Promise<SseEvent[]> {
    const events: SseEvent[] = [];
    for (let event = await this.next(); event !== undefined; event = await this.next()) events.push(event);
    return events;
  }

  async cancel(): Promise<void> {
    await this.reader.cancel();
  }
}
