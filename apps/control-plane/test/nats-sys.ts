// What nats-server itself says about its clients, asked over a system-account connection: the
// independent witness for tests about connecting and reconnecting (not the runner's own logs).
import type { NatsConnection } from '@nats-io/transport-node';

export interface ServerConnection {
  /** The client's connection name (the runner sets `switchyard-runner <runnerId>`). */
  name: string;
  /** The user nkey it authenticated with. */
  user: string;
  /** When the server accepted the connection (ms since the epoch, server clock). */
  startedAtMs: number;
  /** Set only for connections that negotiated TLS, e.g. "1.3". */
  tlsVersion: string | undefined;
}

interface ConnzReply {
  data?: { connections?: Array<{ name?: string; authorized_user?: string; start: string; tls_version?: string }> };
  error?: { description?: string };
}

const decoder = new TextDecoder();

/** nats-server times are RFC 3339 with nanoseconds; Date.parse keeps the milliseconds. */
export function parseServerTime(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`not a nats-server time: ${text}`);
  return ms;
}

/** Live connections of one account on the (single) server: `$SYS.REQ.SERVER.PING.CONNZ`. */
export async function accountConnections(sys: NatsConnection, accountPublicKey: string): Promise<ServerConnection[]> {
  const reply = await sys.request('$SYS.REQ.SERVER.PING.CONNZ', JSON.stringify({ acc: accountPublicKey, auth: true, limit: 1024 }), { timeout: 2_000 });
  const body = JSON.parse(decoder.decode(reply.data)) as ConnzReply;
  if (body.error || !body.data) throw new Error(`CONNZ failed: ${body.error?.description ?? decoder.decode(reply.data)}`);
  return (body.data.connections ?? []).map((c) => ({
    name: c.name ?? '',
    user: c.authorized_user ?? '',
    startedAtMs: parseServerTime(c.start),
    tlsVersion: c.tls_version,
  }));
}

/** When the (single) server started: `$SYS.REQ.SERVER.PING.VARZ`, same clock as `startedAtMs`. */
export async function serverStartedAtMs(sys: NatsConnection): Promise<number> {
  const reply = await sys.request('$SYS.REQ.SERVER.PING.VARZ', '', { timeout: 2_000 });
  const body = JSON.parse(decoder.decode(reply.data)) as { data?: { start?: string } };
  if (!body.data?.start) throw new Error(`VARZ without a start time: ${decoder.decode(reply.data)}`);
  return parseServerTime(body.data.start);
}

export interface Spread {
  count: number;
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  maxMs: number;
  /** max − min */
  spreadMs: number;
  /** How many distinct `bucketMs`-wide slots the values fall into. */
  buckets: number;
}

/** Nearest-rank percentiles and slot count of a set of delays (ms). */
export function spreadOf(delaysMs: readonly number[], bucketMs: number): Spread {
  if (delaysMs.length === 0) throw new Error('spreadOf: no values');
  const sorted = [...delaysMs].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return {
    count: sorted.length,
    minMs: sorted[0]!,
    p50Ms: rank(50),
    p90Ms: rank(90),
    maxMs: sorted[sorted.length - 1]!,
    spreadMs: sorted[sorted.length - 1]! - sorted[0]!,
    buckets: new Set(sorted.map((value) => Math.floor(value / bucketMs))).size,
  };
}
