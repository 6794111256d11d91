import fc from 'fast-check';
import { ConnectionTracker } from './connection-tracker.js';
import type { ClientEvent, LiveConnection } from './sys-events.js';

const conn = (userKey: string, cid: number, serverId = 'S1'): LiveConnection => ({ serverId, cid, userKey });
const connect = (c: LiveConnection): ClientEvent => ({ kind: 'connect', ...c });
const disconnect = (c: LiveConnection): ClientEvent => ({ kind: 'disconnect', reason: 'Client Closed', ...c });

/** The live connections after a list of events, computed the obvious way. */
function truth(events: readonly ClientEvent[]): LiveConnection[] {
  const live = new Map<string, LiveConnection>();
  for (const event of events) {
    const { kind, ...c } = event;
    const id = `${c.serverId}/${c.cid}`;
    if (kind === 'connect') live.set(id, { serverId: c.serverId, cid: c.cid, userKey: c.userKey });
    else live.delete(id);
  }
  return [...live.values()];
}

const sorted = (list: LiveConnection[]) => list.map((c) => `${c.userKey}@${c.serverId}/${c.cid}`).sort();
const stateOf = (sut: ConnectionTracker) => sorted(sut.liveKeys().flatMap((key) => sut.connectionsOf(key).map((c) => ({ serverId: c.serverId, cid: c.cid, userKey: c.userKey }))));

describe('ConnectionTracker', () => {
  it('counts live connections per key, before and after each event', () => {
    const sut = new ConnectionTracker();
    expect(sut.apply(connect(conn('U1', 1)))).toEqual({ before: 0, after: 1 });
    expect(sut.apply(connect(conn('U1', 2)))).toEqual({ before: 1, after: 2 });
    expect(sut.apply(connect(conn('U2', 3)))).toEqual({ before: 0, after: 1 });
    expect(sut.apply(disconnect(conn('U1', 1)))).toEqual({ before: 2, after: 1 });
    expect(sut.apply(disconnect(conn('U1', 2)))).toEqual({ before: 1, after: 0 });
    expect(sut.liveKeys()).toEqual(['U2']);
  });

  it('tells connections on different servers apart even when their cids are equal', () => {
    const sut = new ConnectionTracker();
    sut.apply(connect(conn('U1', 7, 'S1')));
    expect(sut.apply(connect(conn('U1', 7, 'S2')))).toEqual({ before: 1, after: 2 });
    expect(sut.apply(connect(conn('U1', 7, 'S1')))).toEqual({ before: 2, after: 2 });
  });

  it('ignores a disconnect of a connection it never saw', () => {
    const sut = new ConnectionTracker();
    expect(sut.apply(disconnect(conn('U1', 1)))).toEqual({ before: 0, after: 0 });
  });

  it('is not ready until the first snapshot', () => {
    const sut = new ConnectionTracker();
    sut.apply(connect(conn('U1', 1)));
    expect(sut.ready).toBe(false);
    sut.beginSnapshot();
    sut.abortSnapshot();
    expect(sut.ready).toBe(false);
    sut.beginSnapshot();
    sut.finishSnapshot([]);
    expect(sut.ready).toBe(true);
  });

  it('replaces what it knew with the snapshot (a connection whose events were missed)', () => {
    const sut = new ConnectionTracker();
    sut.apply(connect(conn('U1', 1)));
    sut.beginSnapshot();
    sut.finishSnapshot([conn('U2', 5)]);
    expect(stateOf(sut)).toEqual(['U2@S1/5']);
  });

  it('ends up at the truth wherever the server took the snapshot among the events in flight', () => {
    // Events are valid histories: connect fresh cids, disconnect live ones (or, rarely, unknown ones).
    const historyArb = fc
      .array(fc.record({ key: fc.constantFrom('U1', 'U2', 'U3'), op: fc.constantFrom('connect', 'disconnect'), server: fc.constantFrom('S1', 'S2'), pick: fc.nat() }), { maxLength: 30 })
      .map((steps) => {
        let nextCid = 1;
        const events: ClientEvent[] = [];
        for (const step of steps) {
          const live = truth(events).filter((c) => c.userKey === step.key);
          if (step.op === 'disconnect' && live.length > 0) events.push(disconnect(live[step.pick % live.length] as LiveConnection));
          else events.push(connect(conn(step.key, nextCid++, step.server)));
        }
        return events;
      });
    fc.assert(
      fc.property(historyArb, fc.nat(), fc.nat(), (events, a, b) => {
        const begin = a % (events.length + 1);
        const taken = begin + (b % (events.length - begin + 1));
        const sut = new ConnectionTracker();
        events.slice(0, begin).forEach((e) => sut.apply(e));
        sut.beginSnapshot();
        events.slice(begin).forEach((e) => sut.apply(e));
        sut.finishSnapshot(truth(events.slice(0, taken)));
        expect(stateOf(sut)).toEqual(sorted(truth(events)));
      }),
      { numRuns: 500 },
    );
  });
});
