import { z } from 'zod';

/**
 * nats-server's own `$SYS` messages that liveness reads (shapes as nats-server 2.9.10 sends them,
 * see NATS-AUTH.md). These are the server's subjects, not Switchyard's protocol, so they live here
 * and not in libs/protocol.
 */
export const sysSubjects = {
  /** A client of the account connected (after authentication). */
  connect: (accountPublicKey: string): string => `$SYS.ACCOUNT.${accountPublicKey}.CONNECT`,
  /** A client of the account went away; the event says why. */
  disconnect: (accountPublicKey: string): string => `$SYS.ACCOUNT.${accountPublicKey}.DISCONNECT`,
  /** Every server answers with its connections. */
  connzPing: '$SYS.REQ.SERVER.PING.CONNZ',
  /** One server's connections, for the following pages. */
  connzOf: (serverId: string): string => `$SYS.REQ.SERVER.${serverId}.CONNZ`,
} as const;

/** One client connection, cluster-wide: cids are only unique per server. */
export interface ConnectionRef {
  serverId: string;
  cid: number;
}

export interface LiveConnection extends ConnectionRef {
  /** The user nkey it authenticated as (a runner's publicKey). */
  userKey: string;
  /** Remote address, for operators looking at a cloned credential. */
  host?: string;
  /** The connection name the client chose (not trusted for anything). */
  name?: string;
}

export type ClientEvent = ({ kind: 'connect' } | { kind: 'disconnect'; reason: string }) & LiveConnection;

const clientEventSchema = z.object({
  type: z.string(),
  server: z.object({ id: z.string().min(1) }),
  client: z.object({
    id: z.number().int(),
    user: z.string().optional(),
    host: z.string().optional(),
    name: z.string().optional(),
  }),
  reason: z.string().optional(),
});

const CONNECT_TYPE = 'io.nats.server.advisory.v1.client_connect';
const DISCONNECT_TYPE = 'io.nats.server.advisory.v1.client_disconnect';

function json(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}

/**
 * A CONNECT or DISCONNECT advisory, or undefined for anything else (other advisory types, clients
 * without a user nkey, unreadable payloads): liveness only cares about users it can map to runners.
 */
export function parseClientEvent(data: Uint8Array): ClientEvent | undefined {
  const parsed = clientEventSchema.safeParse(json(data));
  if (!parsed.success || !parsed.data.client.user) return undefined;
  const { type, server, client, reason } = parsed.data;
  const connection: LiveConnection = {
    serverId: server.id,
    cid: client.id,
    userKey: client.user ?? '',
    ...(client.host ? { host: client.host } : {}),
    ...(client.name ? { name: client.name } : {}),
  };
  if (type === CONNECT_TYPE) return { kind: 'connect', ...connection };
  if (type === DISCONNECT_TYPE) return { kind: 'disconnect', reason: reason || 'unknown', ...connection };
  return undefined;
}

const connzReplySchema = z.object({
  server: z.object({ id: z.string().min(1) }),
  data: z
    .object({
      total: z.number().int(),
      offset: z.number().int(),
      connections: z
        .array(
          z.object({
            cid: z.number().int(),
            authorized_user: z.string().optional(),
            ip: z.string().optional(),
            name: z.string().optional(),
          }),
        )
        .nullish(),
    })
    .optional(),
  error: z.object({ description: z.string() }).optional(),
});

export interface ConnzPage {
  serverId: string;
  /** Connections of the account on this server, all pages together. */
  total: number;
  offset: number;
  /** Entries in this page, with or without a user (what the next page's offset counts). */
  received: number;
  connections: LiveConnection[];
}

/**
 * One server's CONNZ answer. `authorized_user` is the nkey for JWT users; the request's `user`
 * filter matches nothing for them on 2.9.10, so the caller filters on it itself.
 */
export function parseConnzReply(data: Uint8Array): ConnzPage {
  const parsed = connzReplySchema.safeParse(json(data));
  if (!parsed.success) throw new Error('unreadable CONNZ reply from nats-server');
  const { server, data: page, error } = parsed.data;
  if (error || !page) throw new Error(`nats-server refused CONNZ: ${error?.description ?? 'empty reply'}`);
  const connections = (page.connections ?? []).flatMap((c) =>
    c.authorized_user
      ? [{ serverId: server.id, cid: c.cid, userKey: c.authorized_user, ...(c.ip ? { host: c.ip } : {}), ...(c.name ? { name: c.name } : {}) }]
      : [],
  );
  return { serverId: server.id, total: page.total, offset: page.offset, received: page.connections?.length ?? 0, connections };
}
