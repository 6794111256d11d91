import { DEFAULT_RETRY_POLICY, type RetryPolicy, type ToolAnnotations } from '@switchyard/router';
import type { RelaySession, SessionTarget } from '../relay/relay-session.js';
import { CallFailover } from './call-failover.js';
import type { SessionRecord } from './session-record.js';
import type { Upstream, UpstreamChooser } from './upstream-chooser.js';

const record: SessionRecord = {
  sessionId: 's-1',
  serverName: 'files',
  versionId: 'v-1',
  deploymentId: 'd-a',
  runnerId: 'runner-a',
  nodepoolId: 'pool',
  apiKeyId: 'key',
  protocolVersion: '2025-11-25',
  replicaId: 'replica',
  createdAt: '2026-11-23T00:00:00.000Z',
};

const runnerB: Upstream = { runnerId: 'runner-b', nodepoolId: 'pool', deploymentId: 'd-b', versionId: 'v-1' };

function failoverWith(options: { policy?: Partial<RetryPolicy>; annotations?: Record<string, ToolAnnotations>; elsewhere?: Upstream; now?: () => number; chooser?: UpstreamChooser }) {
  const asked: Array<{ versionId: string; excluded: readonly string[] }> = [];
  const opened: Array<{ runnerId: string; target: SessionTarget }> = [];
  const chooser: UpstreamChooser = options.chooser ?? {
    candidates: async () => [],
    retryPolicy: async () => ({ ...DEFAULT_RETRY_POLICY, maxAttempts: 1, ...options.policy }),
    sameVersionElsewhere: async (_server, versionId, excluded) => {
      asked.push({ versionId, excluded });
      return options.elsewhere;
    },
  };
  const sut = new CallFailover({
    chooser,
    openRelay: (runnerId, target) => {
      opened.push({ runnerId, target });
      return { runnerId } as RelaySession;
    },
    annotations: (_versionId, tool) => options.annotations?.[tool],
    now: options.now ?? (() => 1_000_000),
  });
  return { sut, asked, opened };
}

describe('CallFailover', () => {
  it('allows a retry of a tool annotated readOnlyHint or idempotentHint, and nothing else', async () => {
    const { sut } = failoverWith({ annotations: { read: { readOnlyHint: true }, put: { idempotentHint: true }, write: {} } });

    expect(await sut.mayRetry(record, 'read', 1)).toEqual({ allowed: true });
    expect(await sut.mayRetry(record, 'put', 1)).toEqual({ allowed: true });
    expect(await sut.mayRetry(record, 'write', 1)).toEqual({ allowed: false, reason: 'not-idempotent' });
    expect(await sut.mayRetry(record, 'unlisted', 1)).toEqual({ allowed: false, reason: 'not-idempotent' });
  });

  it("follows the server's retryMaxAttempts: none by default, one attempt more when it says 1", async () => {
    const annotations = { read: { readOnlyHint: true as const } };

    expect(await failoverWith({ annotations, policy: { maxAttempts: 0 } }).sut.mayRetry(record, 'read', 1)).toEqual({ allowed: false, reason: 'max-attempts' });
    const { sut } = failoverWith({ annotations, policy: { maxAttempts: 1 } });
    expect(await sut.mayRetry(record, 'read', 1)).toEqual({ allowed: true });
    expect(await sut.mayRetry(record, 'read', 2)).toEqual({ allowed: false, reason: 'max-attempts' });
  });

  it('never retries when the chooser offers no retry routing', async () => {
    const { sut } = failoverWith({ annotations: { read: { readOnlyHint: true } }, chooser: { candidates: async () => [] } });

    expect((await sut.mayRetry(record, 'read', 1)).allowed).toBe(false);
    expect(await sut.reopen(record, ['runner-a'])).toBeUndefined();
  });

  it('spends the budget per server: the minimum retries per window, then a share of the calls', async () => {
    const { sut } = failoverWith({ annotations: { read: { readOnlyHint: true } }, policy: { budgetRatio: 0.1, minRetriesPerWindow: 3 } });
    for (let i = 0; i < 3; i++) sut.retried('files');

    expect(await sut.mayRetry(record, 'read', 1)).toEqual({ allowed: false, reason: 'budget-exhausted' });
    expect(await sut.mayRetry({ ...record, serverName: 'other' }, 'read', 1)).toEqual({ allowed: true });

    for (let i = 0; i < 40; i++) sut.callStarted('files');
    expect(await sut.mayRetry(record, 'read', 1)).toEqual({ allowed: true });
  });

  it("re-opens the session on the router's other runner of the same version, the lost ones left out", async () => {
    const { sut, asked, opened } = failoverWith({ elsewhere: runnerB });

    const reopened = await sut.reopen(record, ['runner-a']);

    expect(asked).toEqual([{ versionId: 'v-1', excluded: ['runner-a'] }]);
    expect(opened).toEqual([{ runnerId: 'runner-b', target: { sessionId: 's-1', deploymentId: 'd-b', versionId: 'v-1' } }]);
    expect(reopened?.upstream).toBe(runnerB);
  });

  it('says undefined when no other runner serves the version', async () => {
    const { sut, opened } = failoverWith({});

    expect(await sut.reopen(record, ['runner-a'])).toBeUndefined();
    expect(opened).toEqual([]);
  });
});
