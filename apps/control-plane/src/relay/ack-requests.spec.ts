// AckRequests against a real nats-server (no auth): the 503 "no responders" status and the reply
// subjects are the server's, so a fake would test nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNats, type NatsHandle } from '@switchyard/devstack';
import { AckRequests } from './ack-requests.js';

describe('AckRequests', () => {
  let dir: string;
  let server: NatsHandle;
  let nc: NatsConnection;
  let responder: NatsConnection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ack-requests-'));
    server = await startNats({ dir });
    [nc, responder] = await Promise.all([connect({ servers: server.url }), connect({ servers: server.url })]);
    responder.subscribe('calls.echo', { callback: (_error, msg) => void msg.respond(msg.data) });
    responder.subscribe('calls.slow', { callback: (_error, msg) => void setTimeout(() => msg.respond(msg.data), 200) });
    await responder.flush();
  });

  afterAll(async () => {
    await Promise.allSettled([nc?.close(), responder?.close()]);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('matches each reply to its request, many at once', async () => {
    const sut = new AckRequests(nc);
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map((n) => sut.request('calls.echo', new TextEncoder().encode(`call ${n}`), 5_000)));

    expect(outcomes.map((outcome) => (outcome.kind === 'reply' ? new TextDecoder().decode(outcome.msg.data) : outcome.kind))).toEqual(['call 1', 'call 2', 'call 3', 'call 4', 'call 5']);
    expect(sut.inFlight).toBe(0);
    sut.close();
  });

  it('says no-responders for a subject nobody listens on, and timeout for a reply that comes too late (which is then ignored)', async () => {
    const sut = new AckRequests(nc);

    expect(await sut.request('calls.nobody', new Uint8Array([1]), 5_000)).toEqual({ kind: 'no-responders' });
    expect(await sut.request('calls.slow', new Uint8Array([1]), 20)).toEqual({ kind: 'timeout' });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the late reply arrives meanwhile
    expect(sut.inFlight).toBe(0);
    expect((await sut.request('calls.echo', new Uint8Array([7]), 5_000)).kind).toBe('reply');
    sut.close();
  });

  it('ends what waits as closed when closed, and takes no more', async () => {
    const sut = new AckRequests(nc);
    const waiting = sut.request('calls.slow', new Uint8Array([1]), 5_000);

    sut.close();

    expect(await waiting).toEqual({ kind: 'closed' });
    expect(await sut.request('calls.echo', new Uint8Array([1]), 5_000)).toEqual({ kind: 'closed' });
  });
});
