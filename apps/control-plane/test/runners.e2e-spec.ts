import { codesOf, startControlPlane, ApiKeyRole, type TestControlPlane } from './harness.js';

const FIELDS = `id name publicKey version status lastSeenAt capacity fencedAt revokedAt enrolledAt
  nodepool { id name labels { key value } } gpus { index name memoryMiB uuid } labels { key value }`;
const GET = `query($id: ID!) { runner(id: $id) { ${FIELDS} } }`;
const LIST = `query($first: Int, $after: String, $filter: RunnerFilterInput) {
  runners(first: $first, after: $after, filter: $filter) { totalCount pageInfo { endCursor hasNextPage } nodes { name status } }
}`;

interface RunnersPage {
  runners: { totalCount: number; pageInfo: { endCursor: string | null; hasNextPage: boolean }; nodes: Array<{ name: string; status: string }> };
}

let keySeq = 0;
/** A syntactically plausible nkey user public key, unique per call. */
const publicKey = () => `U${String(++keySeq).padStart(55, 'A')}`;

describe('runners (read-only)', () => {
  let sut: TestControlPlane;
  let viewer: string;
  let gpuPool: string;
  let cpuPool: string;

  beforeAll(async () => {
    sut = await startControlPlane();
    viewer = await sut.keyFor(ApiKeyRole.VIEWER);
    gpuPool = (
      await sut.prisma.nodepool.create({
        data: { name: 'gpu-site', kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU', labels: { tier: 'gold' } },
      })
    ).id;
    cpuPool = (await sut.prisma.nodepool.create({ data: { name: 'cpu-site', kind: 'SAAS', region: 'eu-west-1', jurisdiction: 'EU' } })).id;
  });
  afterAll(() => sut.close());

  it('shows a runner with its nodepool, GPUs and labels', async () => {
    const lastSeenAt = new Date('2026-11-20T10:00:00.000Z');
    const runner = await sut.prisma.runner.create({
      data: {
        nodepoolId: gpuPool,
        name: 'gpu-host-1',
        publicKey: publicKey(),
        version: '0.3.1',
        status: 'HEALTHY',
        lastSeenAt,
        capacity: 32,
        gpus: [
          { index: 0, name: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920, uuid: 'GPU-1f2e' },
          { index: 1, name: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920 },
        ],
        labels: { rack: 'r4', zone: 'b' },
      },
    });
    const response = await sut.gql<{ runner: Record<string, unknown> }>(GET, { id: runner.id }, viewer);
    expect(response.errors).toBeUndefined();
    expect(response.data!.runner).toEqual({
      id: runner.id,
      name: 'gpu-host-1',
      publicKey: runner.publicKey,
      version: '0.3.1',
      status: 'HEALTHY',
      lastSeenAt: lastSeenAt.toISOString(),
      capacity: 32,
      fencedAt: null,
      revokedAt: null,
      enrolledAt: runner.enrolledAt.toISOString(),
      nodepool: { id: gpuPool, name: 'gpu-site', labels: [{ key: 'tier', value: 'gold' }] },
      gpus: [
        { index: 0, name: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920, uuid: 'GPU-1f2e' },
        { index: 1, name: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920, uuid: null },
      ],
      labels: [
        { key: 'rack', value: 'r4' },
        { key: 'zone', value: 'b' },
      ],
    });
  });

  it('reads malformed GPU JSON without failing the query', async () => {
    const runner = await sut.prisma.runner.create({
      data: { nodepoolId: cpuPool, name: 'odd-gpus', publicKey: publicKey(), gpus: [null, 'A100', { memoryMiB: '80GB' }] },
    });
    const response = await sut.gql<{ runner: { gpus: unknown[] } }>(GET, { id: runner.id }, viewer);
    expect(response.errors).toBeUndefined();
    expect(response.data!.runner.gpus).toEqual([{ index: 2, name: 'unknown', memoryMiB: null, uuid: null }]);

    const notAList = await sut.prisma.runner.create({
      data: { nodepoolId: cpuPool, name: 'gpus-object', publicKey: publicKey(), gpus: { count: 2 } },
    });
    const read = await sut.gql<{ runner: { gpus: unknown[] } }>(GET, { id: notAList.id }, viewer);
    expect(read.data!.runner.gpus).toEqual([]);
  });

  it('filters by nodepool and status and pages with cursors', async () => {
    const pool = (await sut.prisma.nodepool.create({ data: { name: 'paging-site', kind: 'VPC', region: 'us-east-1', jurisdiction: 'US' } })).id;
    const statuses = ['HEALTHY', 'OFFLINE', 'HEALTHY', 'DRAINING', 'HEALTHY'] as const;
    for (const [i, status] of statuses.entries()) {
      await sut.prisma.runner.create({ data: { nodepoolId: pool, name: `host-${i}`, publicKey: publicKey(), status } });
    }

    const healthy = await sut.gql<RunnersPage>(LIST, { filter: { nodepoolId: pool, status: 'HEALTHY' } }, viewer);
    expect(healthy.data!.runners.nodes.map((n) => n.name)).toEqual(['host-0', 'host-2', 'host-4']);
    const offline = await sut.gql<RunnersPage>(LIST, { filter: { status: 'OFFLINE' } }, viewer);
    expect(offline.data!.runners.nodes.map((n) => n.name)).toEqual(['host-1']);

    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page: { data?: RunnersPage | null } = await sut.gql<RunnersPage>(LIST, { first: 2, after, filter: { nodepoolId: pool } }, viewer);
      expect(page.data!.runners.totalCount).toBe(5);
      seen.push(...page.data!.runners.nodes.map((n) => n.name));
      if (!page.data!.runners.pageInfo.hasNextPage) break;
      after = page.data!.runners.pageInfo.endCursor;
    }
    expect(seen).toEqual(['host-0', 'host-1', 'host-2', 'host-3', 'host-4']);
  });

  it('answers NOT_FOUND for an unknown runner and BAD_USER_INPUT for malformed ids', async () => {
    expect(codesOf(await sut.gql(GET, { id: '0190b6a2-0000-7000-8000-000000000000' }, viewer))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(GET, { id: 'host-1' }, viewer))).toEqual(['BAD_USER_INPUT']);
    const badFilter = await sut.gql(LIST, { filter: { nodepoolId: 'paging-site' } }, viewer);
    expect((badFilter.errors![0]!.extensions!['fields'] as Array<{ path: string }>).map((f) => f.path)).toEqual(['filter.nodepoolId']);
  });

  it('is not open to anonymous callers', async () => {
    expect(codesOf(await sut.gql(LIST, {}))).toEqual(['UNAUTHENTICATED']);
  });
});
