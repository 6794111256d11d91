import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { RelayConnection } from './upstream-connection.js';

const ping = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'ping' });

function connection() {
  const sent: JSONRPCMessage[] = [];
  let closedIo = 0;
  const sut = new RelayConnection('dep-1', {
    send: async (message) => {
      sent.push(message);
    },
    close: async () => {
      closedIo += 1;
    },
  });
  return { sut, sent, closedIo: () => closedIo };
}

describe('RelayConnection', () => {
  it('holds messages that arrive before the relay attaches its handler, then delivers live ones', () => {
    const { sut } = connection();
    const received: JSONRPCMessage[] = [];

    sut.deliver(ping(1));
    sut.onMessage((message) => received.push(message));
    sut.deliver(ping(2));

    expect(received).toEqual([ping(1), ping(2)]);
  });

  it('sends until closed, then rejects with the reason', async () => {
    const { sut, sent } = connection();

    await sut.send(ping(1));
    sut.end('server env-server is down');

    await expect(sut.send(ping(2))).rejects.toThrow('upstream connection closed: server env-server is down');
    expect(sent).toEqual([ping(1)]);
    expect(sut.closed).toBe(true);
  });

  it('tells close handlers once, including one attached after the end', async () => {
    const { sut, closedIo } = connection();
    const reasons: string[] = [];
    sut.onClose((reason) => reasons.push(`early: ${reason}`));

    await sut.close();
    await sut.close();
    sut.end('server exited');
    sut.onClose((reason) => reasons.push(`late: ${reason}`));

    expect(reasons).toEqual(['early: closed by the relay', 'late: closed by the relay']);
    expect(closedIo()).toBe(1);
  });

  it('stops delivering to an unsubscribed handler and after the end', () => {
    const { sut } = connection();
    const received: JSONRPCMessage[] = [];
    const unsubscribe = sut.onMessage((message) => received.push(message));

    sut.deliver(ping(1));
    unsubscribe();
    sut.deliver(ping(2));
    const again = sut.onMessage((message) => received.push(message));
    sut.end('done');
    sut.deliver(ping(3));
    again();

    expect(received).toEqual([ping(1)]);
  });
});
