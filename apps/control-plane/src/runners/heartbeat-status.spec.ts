import type { RunningServer } from '@switchyard/protocol';
import { isStale, markOf, statusFromHeartbeat } from './heartbeat-status.js';

const server = (state: RunningServer['state']): RunningServer => ({ deploymentId: 'd1', versionId: 'v1', state, restarts: 0 });

describe('statusFromHeartbeat', () => {
  it('is HEALTHY with no servers, or servers starting, running or stopped', () => {
    expect(statusFromHeartbeat({ draining: false, servers: [] })).toBe('HEALTHY');
    expect(statusFromHeartbeat({ draining: false, servers: [server('STARTING'), server('RUNNING'), server('STOPPED')] })).toBe('HEALTHY');
  });

  it.each(['FAILED', 'BACKOFF'] as const)('is UNHEALTHY when a placed server is %s', (state) => {
    expect(statusFromHeartbeat({ draining: false, servers: [server('RUNNING'), server(state)] })).toBe('UNHEALTHY');
  });

  it('is DRAINING when the runner says so, whatever its servers do', () => {
    expect(statusFromHeartbeat({ draining: true, servers: [server('FAILED')] })).toBe('DRAINING');
  });
});

describe('isStale', () => {
  const at = (seq: number, sentAt: string) => markOf({ seq, sentAt });
  const last = at(10, '2026-11-23T12:00:10.000Z');

  it('accepts the first heartbeat and newer ones', () => {
    expect(isStale(undefined, at(0, '2026-11-23T12:00:00.000Z'))).toBe(false);
    expect(isStale(last, at(11, '2026-11-23T12:00:15.000Z'))).toBe(false);
  });

  it('drops one overtaken on its way (lower seq, earlier send) and a repeat', () => {
    expect(isStale(last, at(9, '2026-11-23T12:00:05.000Z'))).toBe(true);
    expect(isStale(last, at(10, '2026-11-23T12:00:10.000Z'))).toBe(true);
  });

  it('accepts a restarted runner counting from 0 again (its send time moved on)', () => {
    expect(isStale(last, at(0, '2026-11-23T12:01:00.000Z'))).toBe(false);
  });
});
