import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { NatsLink } from './nats-link.js';
import { testEnv } from '@switchyard/devstack/testing';

const silent = pino({ level: 'silent' });

describe('NatsLink', () => {
  it('connects in the background and answers ping', async () => {
    const sut = new NatsLink([testEnv().natsUrl], silent);
    await sut.connected(5_000);
    expect(await sut.ping()).toBeGreaterThanOrEqual(0);
    await sut.close();
    expect(sut.connection?.isClosed()).toBe(true);
  });

  it('reports not connected while NATS is unreachable, and close() stops the dialing', async () => {
    // A port that accepts nothing: bind and close to learn a free one.
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const sut = new NatsLink([`nats://127.0.0.1:${port}`], silent);
    await expect(sut.ping()).rejects.toThrow('not connected');
    await expect(sut.connected(300)).rejects.toThrow(/not reachable/);
    await sut.close();
    expect(sut.connection).toBeUndefined();
  });

  it('closes a connection that completes after close() was called', async () => {
    const sut = new NatsLink([testEnv().natsUrl], silent);
    await sut.close();
    // Give the in-flight dial time to finish; it must not leave an open connection behind.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sut.connection === undefined || sut.connection.isClosed()).toBe(true);
  });
});
