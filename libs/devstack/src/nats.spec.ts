import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { createNatsAuthBundle, type NatsAuthBundle } from '@switchyard/nats-auth';
import { startNats } from './nats.js';
import { probeOnce } from './probe.js';

describe('startNats', () => {
  it('accepts clients on loopback and stops idempotently', async () => {
    const nats = await startNats();
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    const client = await connect({ servers: nats.url, maxReconnectAttempts: 0 });
    try {
      const sub = client.subscribe('devstack.echo', { max: 1 });
      client.publish('devstack.echo', 'hello');
      for await (const message of sub) expect(message.string()).toBe('hello');
    } finally {
      await client.close();
    }
    await Promise.all([nats.stop(), nats.stop()]);
    expect(await probeOnce({ port: nats.port, ready: (r) => r.startsWith('INFO ') })).toBe(false);
  });

  it('names the Debian package when the binary is missing', async () => {
    const savedBin = process.env.SWITCHYARD_NATS_SERVER_BIN;
    process.env.SWITCHYARD_NATS_SERVER_BIN = '/nonexistent/nats-server';
    try {
      await expect(startNats()).rejects.toThrow('SWITCHYARD_NATS_SERVER_BIN=/nonexistent/nats-server is not an executable file');
    } finally {
      if (savedBin === undefined) delete process.env.SWITCHYARD_NATS_SERVER_BIN;
      else process.env.SWITCHYARD_NATS_SERVER_BIN = savedBin;
    }
  });
});

describe('startNats on a taken port', () => {
  it('fails instead of mistaking the other server for ours', async () => {
    const first = await startNats();
    try {
      await expect(startNats({ port: first.port })).rejects.toThrow(/nats-server exited before it was ready[\s\S]*address already in use/i);
    } finally {
      await first.stop();
    }
  });
});

describe('startNats in operator (JWT) mode', () => {
  let bundle: NatsAuthBundle;
  let parent: string;
  beforeAll(async () => {
    bundle = (await createNatsAuthBundle()).bundle;
    parent = mkdtempSync(join(tmpdir(), 'devstack-nats-'));
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('refuses anonymous clients and accepts the bundle users; each server has its own resolver dir', async () => {
    const [one, two] = await Promise.all([
      startNats({ dir: join(parent, 'one'), auth: bundle }),
      startNats({ dir: join(parent, 'two'), auth: bundle }),
    ]);
    try {
      await expect(connect({ servers: one.url, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/);
      const creds = new TextEncoder().encode(bundle.controlPlaneUser.creds);
      const client = await connect({ servers: two.url, authenticator: credsAuthenticator(creds), maxReconnectAttempts: 0 });
      try {
        const sub = client.subscribe('devstack.echo', { max: 1 });
        client.publish('devstack.echo', 'hello');
        for await (const message of sub) expect(message.string()).toBe('hello');
      } finally {
        await client.close();
      }
      for (const name of ['one', 'two']) {
        const config = readFileSync(join(parent, name, 'nats.conf'), 'utf8');
        expect(config).toContain(`dir: ${JSON.stringify(join(parent, name, 'jwt'))}`);
        expect(statSync(join(parent, name, 'nats.conf')).mode & 0o777).toBe(0o600);
        expect(existsSync(join(parent, name, 'jwt'))).toBe(true);
      }
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  });

  it('needs a dir for the resolver', async () => {
    await expect(startNats({ auth: bundle })).rejects.toThrow('operator mode (auth) needs a dir');
  });
});
