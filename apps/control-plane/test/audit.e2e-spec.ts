// The tool-call audit log through the admin API (GraphQL toolInvocations) and its retention, over
// real ToolInvocation rows in Postgres.
import { randomUUID } from 'node:crypto';
import type { ToolCallOutcome } from '@switchyard/db';
import { AuditRetention } from '../src/audit/audit-retention.js';
import { codesOf, startControlPlane, ApiKeyRole, type GraphQLResponse, type TestControlPlane } from './harness.js';

const QUERY = `query($filter: ToolInvocationFilterInput, $first: Int, $after: String) {
  toolInvocations(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { callId serverName tool outcome errorCode apiKeyId sessionId versionId runnerId shadow traceId argumentsHmac startedAt latencyMs }
  }
}`;

type Page = { toolInvocations: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Array<{ callId: string; tool: string; outcome: string; startedAt: string }> } };

const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');

describe('tool-call audit log: GraphQL toolInvocations and retention', () => {
  let cp: TestControlPlane;
  let operatorKey: string;

  const row = (overrides: { tool?: string; serverName?: string; outcome?: ToolCallOutcome; startedAt: Date; apiKeyId?: string; shadow?: boolean; errorCode?: string }) =>
    cp.prisma.toolInvocation.create({
      data: { callId: randomUUID(), serverName: 'weather', tool: 'forecast', outcome: 'OK', apiKeyId: 'key-a', argumentsHmac: 'ab'.repeat(32), ...overrides },
    });

  beforeAll(async () => {
    cp = await startControlPlane({ SWITCHYARD_AUDIT_RETENTION_DAYS: '30' });
    operatorKey = await cp.keyFor(ApiKeyRole.OPERATOR, 'auditor');
  });

  afterAll(() => cp?.close());

  beforeEach(async () => {
    await cp.prisma.toolInvocation.deleteMany({});
  });

  it('lists calls newest first, page after page, with a total over all pages', async () => {
    const base = NOW - 60_000;
    // Two rows in the same millisecond: the call id breaks the tie, and no row is skipped or repeated.
    const made = await Promise.all([0, 1, 2, 2, 3].map((i) => row({ tool: `t${i}`, startedAt: new Date(base + i * 1000) })));

    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const response: GraphQLResponse<Page> = await cp.gql<Page>(QUERY, { first: 2, ...(after ? { after } : {}) }, operatorKey);
      expect(response.errors).toBeUndefined();
      const page: Page['toolInvocations'] = response.data!.toolInvocations;
      expect(page.totalCount).toBe(5);
      seen.push(...page.nodes.map((node) => node.callId));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages += 1;
    } while (after !== null);

    expect(pages).toBe(3);
    const expected = [...made].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || (a.callId < b.callId ? 1 : -1)).map((r) => r.callId);
    expect(seen).toEqual(expected);
  });

  it('filters by server, key, outcome, tool, shadow and start time', async () => {
    const old = new Date(NOW - 3 * DAY_MS);
    const recent = new Date(NOW - 60_000);
    await row({ startedAt: old });
    const denied = await row({ startedAt: recent, outcome: 'DENIED', errorCode: 'RATE_LIMITED', apiKeyId: 'key-b' });
    const shadow = await row({ startedAt: recent, serverName: 'github', tool: 'search', shadow: true });

    const query = async (filter: Record<string, unknown>) => (await cp.gql<Page>(QUERY, { filter }, operatorKey)).data!.toolInvocations.nodes.map((node) => node.callId);

    expect(await query({ outcome: 'DENIED' })).toEqual([denied.callId]);
    expect(await query({ apiKeyId: 'key-b' })).toEqual([denied.callId]);
    expect(await query({ serverName: 'github', tool: 'search' })).toEqual([shadow.callId]);
    expect(await query({ shadow: true })).toEqual([shadow.callId]);
    expect(await query({ startedAfter: new Date(NOW - DAY_MS).toISOString() })).toHaveLength(2);
    expect(await query({ startedBefore: new Date(NOW - DAY_MS).toISOString() })).toHaveLength(1);
    expect(await query({ serverName: 'nowhere' })).toEqual([]);
  });

  it('is for operators and admins: a viewer gets FORBIDDEN, a foreign cursor BAD_USER_INPUT', async () => {
    const viewer = await cp.keyFor(ApiKeyRole.VIEWER, 'curious');

    const refused = await cp.gql(QUERY, {}, viewer);
    const badCursor = await cp.gql(QUERY, { after: 'bm90LWEtY3Vyc29y' }, operatorKey);
    const admin = await cp.gql<Page>(QUERY, {}, await cp.keyFor(ApiKeyRole.ADMIN, 'admin-auditor'));

    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    expect(codesOf(badCursor)).toEqual(['BAD_USER_INPUT']);
    expect(admin.errors).toBeUndefined();
  });

  it('deletes rows started before the retention (30 days here) in batches, and keeps the rest', async () => {
    const oldRows = await Promise.all([31, 40, 45, 90, 365].map((days) => row({ startedAt: new Date(NOW - days * DAY_MS) })));
    const kept = await Promise.all([29, 1].map((days) => row({ startedAt: new Date(NOW - days * DAY_MS), outcome: 'PENDING' })));

    const deleted = await cp.app.get(AuditRetention).sweep(NOW, 2);

    expect(deleted).toBe(oldRows.length);
    const left = await cp.prisma.toolInvocation.findMany({ select: { callId: true } });
    expect(left.map((r) => r.callId).sort()).toEqual(kept.map((r) => r.callId).sort());
  });

  it('leaves the sweep to the replica holding the retention lock', async () => {
    const old = await row({ startedAt: new Date(NOW - 60 * DAY_MS) });

    // Another replica mid-sweep: its transaction holds the advisory lock.
    const whileLocked = await cp.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(72707373::bigint)`;
      return cp.app.get(AuditRetention).sweep(NOW);
    });
    const afterwards = await cp.app.get(AuditRetention).sweep(NOW);

    expect(whileLocked).toBe(0);
    expect(afterwards).toBe(1);
    expect(await cp.prisma.toolInvocation.findUnique({ where: { callId: old.callId } })).toBeNull();
  });
});
