import type { Heartbeat } from '@switchyard/protocol';

/** The statuses a heartbeat can set (ENROLLED and OFFLINE come from NATS connect/disconnect). */
export type HeartbeatStatus = 'HEALTHY' | 'UNHEALTHY' | 'DRAINING';

/**
 * DRAINING when the runner says so (it finishes its calls and takes no new ones, whatever its
 * servers do); UNHEALTHY when a placed server is refused (FAILED) or crash-looping (BACKOFF);
 * HEALTHY otherwise. STARTING and STOPPED are normal transitions, not trouble.
 */
export function statusFromHeartbeat(heartbeat: Pick<Heartbeat, 'draining' | 'servers'>): HeartbeatStatus {
  if (heartbeat.draining) return 'DRAINING';
  return heartbeat.servers.some((server) => server.state === 'FAILED' || server.state === 'BACKOFF') ? 'UNHEALTHY' : 'HEALTHY';
}

/** Where a runner's heartbeats had got to. */
export interface HeartbeatMark {
  seq: number;
  sentAtMs: number;
}

export function markOf(heartbeat: Pick<Heartbeat, 'seq' | 'sentAt'>): HeartbeatMark {
  return { seq: heartbeat.seq, sentAtMs: Date.parse(heartbeat.sentAt) };
}

/**
 * True when `next` is not newer than `last`: a heartbeat overtaken by a later one on its way (the
 * queue group spreads one runner's heartbeats over replicas). `seq` alone is not enough — a
 * restarted runner counts from 0 again — but its clock has moved on: older means a seq that is
 * not higher AND a send time that is not later (both by the runner's own counters, so no clock
 * comparison across hosts).
 */
export function isStale(last: HeartbeatMark | undefined, next: HeartbeatMark): boolean {
  return last !== undefined && next.seq <= last.seq && next.sentAtMs <= last.sentAtMs;
}
