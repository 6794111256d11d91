import type { NatsConnection } from '@nats-io/transport-node';
import { parseConnzReply, sysSubjects, type ConnzPage, type LiveConnection } from './sys-events.js';

const PAGE_SIZE = 1024;
const REQUEST_TIMEOUT_MS = 5_000;
/** Servers answer the PING within milliseconds; stop collecting once none has answered for this long. */
const STALL_MS = 300;

const encode = (value: unknown) => JSON.stringify(value);

/**
 * Every live connection of the account, on every server of the cluster, from a SYS connection:
 * `$SYS.REQ.SERVER.PING.CONNZ` (each server answers with its first page), then the further pages of
 * each server from `$SYS.REQ.SERVER.<id>.CONNZ`. `auth: true` adds `authorized_user`, the nkey.
 */
export async function fetchAccountConnections(connection: NatsConnection, accountPublicKey: string): Promise<LiveConnection[]> {
  const query = (offset: number) => encode({ acc: accountPublicKey, auth: true, limit: PAGE_SIZE, offset });
  const firstPages: ConnzPage[] = [];
  const replies = await connection.requestMany(sysSubjects.connzPing, query(0), { strategy: 'stall', stall: STALL_MS, maxWait: REQUEST_TIMEOUT_MS });
  for await (const reply of replies) firstPages.push(parseConnzReply(reply.data));
  if (firstPages.length === 0) throw new Error('no nats-server answered CONNZ');

  const connections: LiveConnection[] = [];
  for (const first of firstPages) {
    connections.push(...first.connections);
    let offset = first.offset + first.received;
    while (offset < first.total) {
      const page = parseConnzReply((await connection.request(sysSubjects.connzOf(first.serverId), query(offset), { timeout: REQUEST_TIMEOUT_MS })).data);
      if (page.received === 0) break; // connections closed while paging: the rest is gone
      connections.push(...page.connections);
      offset += page.received;
    }
  }
  return connections;
}
