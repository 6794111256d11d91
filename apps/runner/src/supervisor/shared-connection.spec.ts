import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { SharedConnection } from './shared-connection.js';
import { RelayConnection } from './upstream-connection.js';

const ping = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'ping' });

/** A SharedConnection over connections the test owns (deliver, end) and counts. */
function sharedOverFakes() {
  const opened: RelayConnection[] = [];
  const sent: JSONRPCMessage[] = [];
  let closes = 0;
  const sut = new SharedConnection('dep-1', async () => {
    const connection = new RelayConnection('dep-1', {
      send: async (message) => {
        sent.push(message);
      },
      close: async () => {
        closes += 1;
      },
    });
    opened.push(connection);
    return connection;
  });
  return { sut, opened, sent, closes: () => closes };
}

describe('SharedConnection', () => {
  it('hands one connection to every holder at once, each share seeing every message once', async () => {
    const { sut, opened, sent } = sharedOverFakes();

    const [first, second] = await Promise.all([sut.acquire(), sut.acquire()]);
    const third = await sut.acquire();
    const seen: Array<[string, JSONRPCMessage]> = [];
    first.onMessage((message) => seen.push(['first', message]));
    second.onMessage((message) => seen.push(['second', message]));
    third.onMessage((message) => seen.push(['third', message]));
    opened[0]?.deliver(ping(1));
    await second.send(ping(2));

    expect(opened).toHaveLength(1);
    expect(first.shared).toBe(opened[0]);
    expect(third.shared).toBe(opened[0]);
    expect(sut.holders).toBe(3);
    expect(seen).toEqual([
      ['first', ping(1)],
      ['second', ping(1)],
      ['third', ping(1)],
    ]);
    expect(sent).toEqual([ping(2)]);
  });

  it('closes the connection only when the last share is released', async () => {
    const { sut, opened, closes } = sharedOverFakes();
    const first = await sut.acquire();
    const second = await sut.acquire();

    await first.close();
    const afterFirst = { closes: closes(), closed: opened[0]?.closed, secondClosed: second.closed };
    await first.close(); // idempotent: releases nothing more
    await second.close();

    expect(afterFirst).toEqual({ closes: 0, closed: false, secondClosed: false });
    expect(first.closed).toBe(true);
    expect(closes()).toBe(1);
    expect(opened[0]?.closed).toBe(true);
    expect(sut.holders).toBe(0);
  });

  it('opens a new connection for the next holder once the last one has released it', async () => {
    const { sut, opened } = sharedOverFakes();
    await (await sut.acquire()).close();

    const next = await sut.acquire();

    expect(opened).toHaveLength(2);
    expect(next.shared).toBe(opened[1]);
  });

  it('ends every share with the reason when the connection ends (server crash), and reopens on demand', async () => {
    const { sut, opened } = sharedOverFakes();
    const first = await sut.acquire();
    const second = await sut.acquire();
    const reasons: string[] = [];
    first.onClose((reason) => reasons.push(`first: ${reason}`));
    second.onClose((reason) => reasons.push(`second: ${reason}`));

    opened[0]?.end('server everything is down');
    const after = await sut.acquire();

    expect(reasons).toEqual(['first: server everything is down', 'second: server everything is down']);
    expect(after.shared).toBe(opened[1]);
    expect(sut.holders).toBe(1);
  });

  it('lets a failed open fail its acquires and tries again at the next one', async () => {
    let attempts = 0;
    const sut = new SharedConnection('dep-1', async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('server is BACKOFF');
      return new RelayConnection('dep-1', { send: async () => undefined, close: async () => undefined });
    });

    await expect(sut.acquire()).rejects.toThrow('server is BACKOFF');
    await expect(sut.acquire()).resolves.toMatchObject({ closed: false });
    expect(attempts).toBe(2);
  });
});
