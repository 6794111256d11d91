import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

describe('startNats with TLS', () => {
  let parent: string;
  let caPem: string;
  let tls: { certFile: string; keyFile: string };
  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), 'devstack-nats-tls-'));
    const file = (name: string) => join(parent, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    openssl('req', '-x509', ...ecKey, '-days', '1', '-subj', '/CN=devstack-test-ca', '-keyout', file('ca.key'), '-out', file('ca.pem'));
    openssl('req', ...ecKey, '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'));
    writeFileSync(file('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('san.cnf'), '-out', file('server.pem'));
    caPem = readFileSync(file('ca.pem'), 'utf8');
    tls = { certFile: file('server.pem'), keyFile: file('server.key') };
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('serves clients over TLS only, in operator mode too, and keeps the config across a restart on the same port', async () => {
    const bundle = (await createNatsAuthBundle()).bundle;
    const options = { dir: join(parent, 'op'), auth: bundle, tls };
    const nats = await startNats(options);
    const authenticator = credsAuthenticator(new TextEncoder().encode(bundle.controlPlaneUser.creds));
    const tlsUrl = `tls://127.0.0.1:${nats.port}`;
    try {
      const client = await connect({ servers: tlsUrl, authenticator, tls: { ca: caPem }, maxReconnectAttempts: 0 });
      expect(client.info?.tls_required).toBe(true);
      await client.close();
      // Not trusting the CA: the TLS handshake fails before any credential is looked at.
      await expect(connect({ servers: tlsUrl, authenticator, maxReconnectAttempts: 0 })).rejects.toThrow(/unable to verify the first certificate/);
      expect(readFileSync(join(parent, 'op', 'nats.conf'), 'utf8')).toContain(`cert_file: ${JSON.stringify(tls.certFile)}`);
    } finally {
      await nats.stop();
    }
    const again = await startNats({ ...options, port: nats.port });
    try {
      const client = await connect({ servers: tlsUrl, authenticator, tls: { ca: caPem }, maxReconnectAttempts: 0 });
      await client.close();
    } finally {
      await again.stop();
    }
  });

  it('needs a dir for its config', async () => {
    await expect(startNats({ tls })).rejects.toThrow('tls needs a dir for its config');
  });
});
