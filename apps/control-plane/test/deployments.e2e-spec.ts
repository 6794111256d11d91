import { codesOf, startControlPlane, ApiKeyRole, type GraphQLResponse, type TestControlPlane } from './harness.js';

const FIELDS = 'id versionId nodepoolId replicas gpuCount gpuModel gpuMinMemoryMiB';
const CREATE = `mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateDeploymentInput!) { updateDeployment(id: $id, input: $input) { ${FIELDS} } }`;
const LIST = `query($first: Int, $after: String, $filter: DeploymentFilterInput) {
  deployments(first: $first, after: $after, filter: $filter) { totalCount pageInfo { endCursor hasNextPage } nodes { id } }
}`;
const UNKNOWN_ID = '0190b6a2-0000-7000-8000-000000000000';

interface Deployment {
  id: string;
  versionId: string;
  nodepoolId: string;
  replicas: number;
  gpuCount: number;
  gpuModel: string | null;
  gpuMinMemoryMiB: number | null;
}
type Page = { deployments: { totalCount: number; pageInfo: { endCursor: string; hasNextPage: boolean }; nodes: Array<{ id: string }> } };

function fieldPaths(response: GraphQLResponse): string[] {
  const fields = (response.errors?.[0]?.extensions?.['fields'] ?? []) as Array<{ path: string }>;
  return fields.map((f) => f.path).sort();
}

describe('deployments through GraphQL', () => {
  let sut: TestControlPlane;
  let operator: string;
  let viewer: string;
  let nodepoolId: string;
  let otherNodepoolId: string;
  let serverId: string;
  let nextVersion = 0;

  const newVersion = async (server = serverId): Promise<string> => {
    nextVersion += 1;
    const version = await sut.prisma.mcpServerVersion.create({
      data: { serverId: server, version: `1.0.${nextVersion}`, transport: 'STDIO', command: 'node' },
    });
    return version.id;
  };
  const deploy = async (input: Record<string, unknown>): Promise<Deployment> => {
    const response = await sut.gql<{ createDeployment: Deployment }>(CREATE, { input }, operator);
    expect(response.errors).toBeUndefined();
    return response.data!.createDeployment;
  };

  beforeAll(async () => {
    sut = await startControlPlane();
    operator = await sut.keyFor(ApiKeyRole.OPERATOR);
    viewer = await sut.keyFor(ApiKeyRole.VIEWER);
    const pool = (name: string) => sut.prisma.nodepool.create({ data: { name, kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } });
    nodepoolId = (await pool('gpu-fra')).id;
    otherNodepoolId = (await pool('gpu-muc')).id;
    serverId = (await sut.prisma.mcpServer.create({ data: { name: 'embedder' } })).id;
  });
  afterAll(() => sut.close());

  it('creates, reads, updates and deletes a deployment, each change audited', async () => {
    const versionId = await newVersion();
    const created = await deploy({ versionId, nodepoolId, replicas: 2, gpuCount: 1, gpuModel: 'A100', gpuMinMemoryMiB: 40960 });
    expect(created).toMatchObject({ versionId, nodepoolId, replicas: 2, gpuCount: 1, gpuModel: 'A100', gpuMinMemoryMiB: 40960 });

    const runner = await sut.prisma.runner.create({ data: { nodepoolId, name: 'host-1', publicKey: 'UPUBLICKEYHOST1' } });
    await sut.prisma.placement.create({ data: { deploymentId: created.id, runnerId: runner.id } });
    const read = await sut.gql<{ deployment: { version: { version: string }; nodepool: { name: string }; placements: Array<{ runnerId: string; createdAt: string }> } }>(
      `query($id: ID!) { deployment(id: $id) { version { version } nodepool { name } placements { runnerId createdAt } } }`,
      { id: created.id },
      viewer,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data?.deployment.version.version).toMatch(/^1\.0\./);
    expect(read.data?.deployment.nodepool.name).toBe('gpu-fra');
    expect(read.data?.deployment.placements).toEqual([{ runnerId: runner.id, createdAt: expect.any(String) }]);

    const updated = await sut.gql<{ updateDeployment: Deployment }>(UPDATE, { id: created.id, input: { replicas: 4, gpuModel: null } }, operator);
    expect(updated.data?.updateDeployment).toMatchObject({ replicas: 4, gpuCount: 1, gpuModel: null, gpuMinMemoryMiB: 40960 });

    expect((await sut.gql(`mutation($id: ID!) { deleteDeployment(id: $id) { id } }`, { id: created.id }, operator)).errors).toBeUndefined();
    expect(codesOf(await sut.gql(`query($id: ID!) { deployment(id: $id) { id } }`, { id: created.id }, viewer))).toEqual(['NOT_FOUND']);
    expect(await sut.prisma.placement.count({ where: { deploymentId: created.id } })).toBe(0);

    const events = await sut.prisma.adminEvent.findMany({ where: { targetId: created.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['deployment.create', 'deployment.update', 'deployment.delete']);
    expect(new Set(events.map((e) => e.actorName))).toEqual(new Set(['test-operator']));
  });

  it('defaults to one replica without GPUs', async () => {
    const created = await deploy({ versionId: await newVersion(), nodepoolId });
    expect(created).toMatchObject({ replicas: 1, gpuCount: 0, gpuModel: null, gpuMinMemoryMiB: null });
  });

  it('reports each invalid field of the input', async () => {
    const versionId = await newVersion();
    const ranges = await sut.gql(CREATE, { input: { versionId: 'v1', nodepoolId, replicas: 0, gpuCount: 17, gpuMinMemoryMiB: 0 } }, operator);
    expect(codesOf(ranges)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(ranges)).toEqual(['gpuCount', 'gpuMinMemoryMiB', 'replicas', 'versionId']);
    expect(fieldPaths(await sut.gql(CREATE, { input: { versionId, nodepoolId, replicas: 101 } }, operator))).toEqual(['replicas']);

    const gpuWithoutCount = await sut.gql(CREATE, { input: { versionId, nodepoolId, gpuModel: 'H100' } }, operator);
    expect(fieldPaths(gpuWithoutCount)).toEqual(['gpuModel']);
    expect(gpuWithoutCount.errors![0]!.message).toMatch(/needs gpuCount of at least 1/);

    const withGpu = await deploy({ versionId, nodepoolId, gpuCount: 1, gpuModel: 'H100' });
    const dropGpus = await sut.gql(UPDATE, { id: withGpu.id, input: { gpuCount: 0 } }, operator);
    expect(fieldPaths(dropGpus)).toEqual(['gpuModel']);
    expect(fieldPaths(await sut.gql(UPDATE, { id: withGpu.id, input: { replicas: 0 } }, operator))).toEqual(['replicas']);
  });

  it('refuses a second deployment of one version on one nodepool with CONFLICT', async () => {
    const versionId = await newVersion();
    await deploy({ versionId, nodepoolId });
    const before = await sut.prisma.adminEvent.count();
    const again = await sut.gql(CREATE, { input: { versionId, nodepoolId, replicas: 3 } }, operator);
    expect(codesOf(again)).toEqual(['CONFLICT']);
    expect(again.errors![0]!.message).toMatch(/already deployed on nodepool gpu-fra/);
    expect(await sut.prisma.adminEvent.count()).toBe(before);
  });

  it('answers NOT_FOUND for an unknown version, nodepool or deployment', async () => {
    const versionId = await newVersion();
    expect(codesOf(await sut.gql(CREATE, { input: { versionId: UNKNOWN_ID, nodepoolId } }, operator))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(CREATE, { input: { versionId, nodepoolId: UNKNOWN_ID } }, operator))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(UPDATE, { id: UNKNOWN_ID, input: { replicas: 2 } }, operator))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(`mutation { deleteDeployment(id: "${UNKNOWN_ID}") { id } }`, {}, operator))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(`query { deployment(id: "nope") { id } }`, {}, viewer))).toEqual(['BAD_USER_INPUT']);
  });

  it('filters by nodepool, version and server, page by page', async () => {
    const otherServerId = (await sut.prisma.mcpServer.create({ data: { name: 'reranker' } })).id;
    const [a, b, c] = [await newVersion(otherServerId), await newVersion(otherServerId), await newVersion(otherServerId)];
    const ids = [
      (await deploy({ versionId: a, nodepoolId: otherNodepoolId })).id,
      (await deploy({ versionId: b, nodepoolId: otherNodepoolId })).id,
      (await deploy({ versionId: c, nodepoolId: otherNodepoolId })).id,
      (await deploy({ versionId: c, nodepoolId })).id,
    ];

    const byServer = await sut.gql<Page>(LIST, { first: 3, filter: { serverId: otherServerId } }, viewer);
    expect(byServer.data?.deployments.totalCount).toBe(4);
    expect(byServer.data?.deployments.nodes.map((n) => n.id)).toEqual(ids.slice(0, 3));
    const rest = await sut.gql<Page>(LIST, { first: 3, after: byServer.data!.deployments.pageInfo.endCursor, filter: { serverId: otherServerId } }, viewer);
    expect(rest.data?.deployments.nodes.map((n) => n.id)).toEqual(ids.slice(3));
    expect(rest.data?.deployments.pageInfo.hasNextPage).toBe(false);

    const byPool = await sut.gql<Page>(LIST, { filter: { nodepoolId: otherNodepoolId } }, viewer);
    expect(byPool.data?.deployments.nodes.map((n) => n.id)).toEqual(ids.slice(0, 3));
    const byVersion = await sut.gql<Page>(LIST, { filter: { versionId: c } }, viewer);
    expect(byVersion.data?.deployments.nodes.map((n) => n.id)).toEqual(ids.slice(2));
    expect(fieldPaths(await sut.gql(LIST, { filter: { serverId: 'x' } }, viewer))).toEqual(['filter.serverId']);
  });
});
