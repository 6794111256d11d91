import { createServer, type Server } from 'node:net';
import { createUser } from '@nats-io/jwt';
import { credsText } from '@switchyard/nats-auth';
import { pino } from 'pino';
import { NatsLink } from './nats-link.js';
import { testNatsAuth } from '@switchyard/devstack/nats-testing';
import { testEnv } from '@switchyard/devstack/testing';

const silent = pino({ level: 'silent' });
const options = () => ({ name: 'nats-link-spec', creds: testNatsAuth().bundle.controlPlaneUser.creds });

describe('NatsLink', () => {
  it('connects in the background and answers ping', async () => {
    const sut = new NatsLink([testEnv().natsUrl], silent, options());
    await sut.connected(5_000);
    expect(await sut.ping()).toBeGreaterThanOrEqual(0);
    await sut.close();
    expect(sut.connection?.isClosed()).toBe(true);
  });

  it('keeps dialing while the server refuses its credentials', async () => {
    // A user whose JWT nobody signed: the operator-mode server refuses it.
    const stranger = createUser();
    const jwt = testNatsAuth().bundle.controlPlaneUser.creds.match(/eyJ[\w-]+\.[\w-]+\.[\w-]+/)?.[0] ?? '';
    const sut = new NatsLink([testEnv().natsUrl], silent, { name: 'nats-link-spec', creds: credsText(jwt, stranger) });
    await expect(sut.connected(500)).rejects.toThrow(/not reachable/);
    expect(sut.connection).toBeUndefined();
    await sut.close();
  });

  it('reports not connected while NATS is unreachable, and close() stops the dialing', async () => {
    // A port that accepts nothing: bind and close to learn a free one.
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const sut = new NatsLink([`nats://127.0.0.1:${port}`], silent, options());
    await expect(sut.ping()).rejects.toThrow('not connected');
    await expect(sut.connected(300)).rejects.toThrow(/not reachable/);
    await sut.close();
    expect(sut.connection).toBeUndefined();
  });

  it('closes a connection that completes after close() was called', async () => {
    const sut = new NatsLink([testEnv().natsUrl], silent, options());
    await sut.close();
    // Give the in-flight dial time to finish; it must not leave an open connection behind.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sut.connection === undefined || sut.connection.isClosed()).toBe(true);
  });
});
