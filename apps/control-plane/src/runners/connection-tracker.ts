import type { ClientEvent, ConnectionRef, LiveConnection } from './sys-events.js';

const idOf = (c: ConnectionRef): string => `${c.serverId}/${c.cid}`;

/**
 * Which NATS connections each user nkey has open right now, from `$SYS` CONNECT/DISCONNECT events
 * and CONNZ snapshots. Pure and synchronous: events are applied in the order they arrive, before
 * any database work, so decisions ("its last connection closed", "connected twice") follow the
 * server's order.
 *
 * A snapshot (CONNZ) replaces the state, but it takes a round trip: events that arrive while it is
 * in flight are journaled and replayed on top of it. Applying an event is idempotent (set insert /
 * delete), so an event the snapshot already reflects does no harm when replayed.
 */
export class ConnectionTracker {
  private live = new Map<string, Map<string, LiveConnection>>();
  private journal: ClientEvent[] | undefined;
  private snapshotTaken = false;

  /** False until the first snapshot: until then "no connection" may only mean "not seen yet". */
  get ready(): boolean {
    return this.snapshotTaken;
  }

  /** Applies one event; returns the key's number of live connections before and after. */
  apply(event: ClientEvent): { before: number; after: number } {
    this.journal?.push(event);
    const before = this.count(event.userKey);
    applyTo(this.live, event);
    return { before, after: this.count(event.userKey) };
  }

  count(userKey: string): number {
    return this.live.get(userKey)?.size ?? 0;
  }

  connectionsOf(userKey: string): LiveConnection[] {
    return [...(this.live.get(userKey)?.values() ?? [])];
  }

  /** Every key with at least one live connection. */
  liveKeys(): string[] {
    return [...this.live.keys()];
  }

  /** Call right before sending the CONNZ request. */
  beginSnapshot(): void {
    this.journal = [];
  }

  /** The CONNZ answer: it becomes the state, with the events journaled since beginSnapshot on top. */
  finishSnapshot(connections: readonly LiveConnection[]): void {
    const next = new Map<string, Map<string, LiveConnection>>();
    for (const connection of connections) applyTo(next, { kind: 'connect', ...connection });
    for (const event of this.journal ?? []) applyTo(next, event);
    this.live = next;
    this.journal = undefined;
    this.snapshotTaken = true;
  }

  /** The snapshot failed: keep the state built from events alone. */
  abortSnapshot(): void {
    this.journal = undefined;
  }
}

function applyTo(live: Map<string, Map<string, LiveConnection>>, event: ClientEvent): void {
  const connections = live.get(event.userKey) ?? new Map<string, LiveConnection>();
  if (event.kind === 'connect') {
    const { kind: _kind, ...connection } = event;
    connections.set(idOf(event), connection);
  } else {
    connections.delete(idOf(event));
  }
  if (connections.size > 0) live.set(event.userKey, connections);
  else live.delete(event.userKey);
}
