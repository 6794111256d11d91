import { parseClientEvent, parseConnzReply } from './sys-events.js';

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

// Trimmed from what nats-server 2.9.10 sent in NATS-AUTH.md's experiments.
const SERVER = { name: 'n1', host: '127.0.0.1', id: 'NBSPOW5I', ver: '2.9.10', seq: 20 };
const CLIENT = { start: '2026-11-23T12:00:34Z', host: '10.0.0.7', id: 6, acc: 'AAPX', user: 'UDQ2', name: 'runner-x', lang: 'nats.js', kind: 'Client' };

describe('parseClientEvent', () => {
  it('reads a connect advisory', () => {
    const event = parseClientEvent(bytes({ type: 'io.nats.server.advisory.v1.client_connect', id: 'e1', server: SERVER, client: CLIENT }));
    expect(event).toEqual({ kind: 'connect', serverId: 'NBSPOW5I', cid: 6, userKey: 'UDQ2', host: '10.0.0.7', name: 'runner-x' });
  });

  it('reads a disconnect advisory with its reason', () => {
    const event = parseClientEvent(
      bytes({ type: 'io.nats.server.advisory.v1.client_disconnect', server: SERVER, client: CLIENT, reason: 'Stale Connection' }),
    );
    expect(event).toMatchObject({ kind: 'disconnect', reason: 'Stale Connection', serverId: 'NBSPOW5I', cid: 6, userKey: 'UDQ2' });
  });

  it.each([
    ['another advisory type', { type: 'io.nats.server.advisory.v1.account_connections', server: SERVER, client: CLIENT }],
    ['a client without a user nkey', { type: 'io.nats.server.advisory.v1.client_connect', server: SERVER, client: { ...CLIENT, user: undefined } }],
    ['a client without a cid', { type: 'io.nats.server.advisory.v1.client_connect', server: SERVER, client: { user: 'U' } }],
    ['not JSON', '{'],
  ])('ignores %s', (_what, payload) => {
    expect(parseClientEvent(bytes(payload))).toBeUndefined();
  });
});

describe('parseConnzReply', () => {
  it('keeps connections with an authorized user and counts every entry for paging', () => {
    const page = parseConnzReply(
      bytes({
        server: SERVER,
        data: {
          total: 3,
          offset: 0,
          connections: [
            { cid: 6, authorized_user: 'UDQ2', ip: '10.0.0.7', name: 'r1' },
            { cid: 8, ip: '10.0.0.8' },
          ],
        },
      }),
    );
    expect(page).toEqual({ serverId: 'NBSPOW5I', total: 3, offset: 0, received: 2, connections: [{ serverId: 'NBSPOW5I', cid: 6, userKey: 'UDQ2', host: '10.0.0.7', name: 'r1' }] });
  });

  it('reads an empty server (connections null)', () => {
    expect(parseConnzReply(bytes({ server: SERVER, data: { total: 0, offset: 0, connections: null } })).connections).toEqual([]);
  });

  it('throws on an error reply or garbage, saying which', () => {
    expect(() => parseConnzReply(bytes({ server: SERVER, error: { code: 403, description: 'not allowed' } }))).toThrow('nats-server refused CONNZ: not allowed');
    expect(() => parseConnzReply(bytes('nope'))).toThrow('unreadable CONNZ reply');
  });
});
