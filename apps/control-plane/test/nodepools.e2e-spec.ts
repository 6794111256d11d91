import { codesOf, startControlPlane, ApiKeyRole, type TestControlPlane } from './harness.js';

const CREATE = `mutation($input: CreateNodepoolInput!) {
  createNodepool(input: $input) { id name kind region jurisdiction costPerCall labels { key value } }
}`;
const LIST = `query($first: Int, $after: String, $filter: NodepoolFilterInput) {
  nodepools(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { endCursor hasNextPage } nodes { id name kind }
  }
}`;

interface NodepoolsPage {
  nodepools: { totalCount: number; pageInfo: { endCursor: string | null; hasNextPage: boolean }; nodes: Array<{ id: string; name: string; kind: string }> };
}

describe('nodepools through GraphQL', () => {
  let sut: TestControlPlane;
  let operator: string;
  let viewer: string;

  beforeAll(async () => {
    sut = await startControlPlane();
    operator = await sut.keyFor(ApiKeyRole.OPERATOR);
    viewer = await sut.keyFor(ApiKeyRole.VIEWER);
  });
  afterAll(() => sut.close());

  it('creates, reads, updates and deletes a nodepool, each change audited', async () => {
    const created = await sut.gql<{ createNodepool: { id: string; labels: unknown[] } }>(
      CREATE,
      { input: { name: 'onprem-gpu-de', kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU', labels: [{ key: 'gpu', value: 'a100' }] } },
      operator,
    );
    expect(created.errors).toBeUndefined();
    const id = created.data!.createNodepool.id;
    expect(created.data!.createNodepool.labels).toEqual([{ key: 'gpu', value: 'a100' }]);

    const read = await sut.gql<{ nodepool: { name: string } }>(`query($id: ID!) { nodepool(id: $id) { name } }`, { id }, viewer);
    expect(read.data?.nodepool.name).toBe('onprem-gpu-de');

    const updated = await sut.gql<{ updateNodepool: { region: string; costPerCall: number } }>(
      `mutation($id: ID!) { updateNodepool(id: $id, input: { region: "de-muc-1", costPerCall: 0.5 }) { region costPerCall } }`,
      { id },
      operator,
    );
    expect(updated.data?.updateNodepool).toEqual({ region: 'de-muc-1', costPerCall: 0.5 });

    const deleted = await sut.gql(`mutation($id: ID!) { deleteNodepool(id: $id) { id } }`, { id }, operator);
    expect(deleted.errors).toBeUndefined();
    const gone = await sut.gql(`query($id: ID!) { nodepool(id: $id) { id } }`, { id }, viewer);
    expect(codesOf(gone)).toEqual(['NOT_FOUND']);

    const events = await sut.prisma.adminEvent.findMany({ where: { targetId: id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['nodepool.create', 'nodepool.update', 'nodepool.delete']);
    expect(new Set(events.map((e) => e.actorName))).toEqual(new Set(['test-operator']));
    expect(events[1]!.details).toEqual({ changed: ['region', 'costPerCall'] });
  });

  it('reports each invalid field of the input', async () => {
    const response = await sut.gql(
      CREATE,
      { input: { name: 'Not_Valid!', kind: 'SAAS', region: '', jurisdiction: 'EU', costPerCall: -1 } },
      operator,
    );
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    const fields = response.errors![0]!.extensions!['fields'] as Array<{ path: string; message: string }>;
    expect(fields.map((f) => f.path).sort()).toEqual(['costPerCall', 'name', 'region']);
    expect(fields.find((f) => f.path === 'name')?.message).toMatch(/a-z, 0-9 and -/);
  });

  it('refuses a duplicate name with CONFLICT and writes no event for it', async () => {
    const input = { name: 'dup-pool', kind: 'SAAS', region: 'eu-west-1', jurisdiction: 'EU' };
    expect((await sut.gql(CREATE, { input }, operator)).errors).toBeUndefined();
    const before = await sut.prisma.adminEvent.count();
    const second = await sut.gql(CREATE, { input }, operator);
    expect(codesOf(second)).toEqual(['CONFLICT']);
    expect(await sut.prisma.adminEvent.count()).toBe(before);
  });

  it('refuses to delete a nodepool that still has deployments', async () => {
    const pool = await sut.gql<{ createNodepool: { id: string } }>(
      CREATE,
      { input: { name: 'busy-pool', kind: 'VPC', region: 'us-east-1', jurisdiction: 'US' } },
      operator,
    );
    const nodepoolId = pool.data!.createNodepool.id;
    const server = await sut.prisma.mcpServer.create({ data: { name: 'busy-server' } });
    const version = await sut.prisma.mcpServerVersion.create({
      data: { serverId: server.id, version: '1.0.0', transport: 'STDIO', command: 'node' },
    });
    await sut.prisma.deployment.create({ data: { versionId: version.id, nodepoolId } });
    const response = await sut.gql(`mutation($id: ID!) { deleteNodepool(id: $id) { id } }`, { id: nodepoolId }, operator);
    expect(codesOf(response)).toEqual(['CONFLICT']);
    expect(response.errors![0]!.message).toMatch(/1 deployment/);
  });

  it('pages through a filtered list with cursors', async () => {
    for (let i = 0; i < 5; i++) {
      await sut.gql(CREATE, { input: { name: `page-${i}`, kind: 'SAAS', region: 'ap-south-1', jurisdiction: 'IN' } }, operator);
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page: { data?: NodepoolsPage | null } = await sut.gql<NodepoolsPage>(LIST, { first: 2, after, filter: { region: 'ap-south-1' } }, viewer);
      const { nodes, pageInfo, totalCount } = page.data!.nodepools;
      expect(totalCount).toBe(5);
      seen.push(...nodes.map((n) => n.name));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);

    const badCursor = await sut.gql(LIST, { after: 'bogus' }, viewer);
    expect(codesOf(badCursor)).toEqual(['BAD_USER_INPUT']);
    const tooMany = await sut.gql(LIST, { first: 1000 }, viewer);
    expect(codesOf(tooMany)).toEqual(['BAD_USER_INPUT']);
  });

  it('treats null for a required field in an update as unchanged', async () => {
    const created = await sut.gql<{ createNodepool: { id: string } }>(
      CREATE,
      { input: { name: 'null-update', kind: 'SAAS', region: 'eu-north-1', jurisdiction: 'EU' } },
      operator,
    );
    const updated = await sut.gql<{ updateNodepool: { region: string; jurisdiction: string } }>(
      `mutation($id: ID!) { updateNodepool(id: $id, input: { region: null, jurisdiction: "SE" }) { region jurisdiction } }`,
      { id: created.data!.createNodepool.id },
      operator,
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateNodepool).toEqual({ region: 'eu-north-1', jurisdiction: 'SE' });
  });

  it('answers a bad variable value with BAD_USER_INPUT', async () => {
    const response = await sut.gql(LIST, { filter: { kind: 'NOPE' } }, viewer);
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
    const unknown = await sut.gql(`query { nodepool(id: "0190b6a2-0000-7000-8000-000000000000") { id } }`, {}, viewer);
    expect(codesOf(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await sut.gql(`query { nodepool(id: "42") { id } }`, {}, viewer);
    expect(codesOf(malformed)).toEqual(['BAD_USER_INPUT']);
  });
});
