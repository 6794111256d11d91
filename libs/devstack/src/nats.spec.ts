import { connect } from '@nats-io/transport-node';
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
