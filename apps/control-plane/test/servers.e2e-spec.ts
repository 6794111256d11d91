import { codesOf, startControlPlane, ApiKeyRole, type GraphQLResponse, type TestControlPlane } from './harness.js';

const CREATE = `mutation($input: CreateMcpServerInput!) { createMcpServer(input: $input) { id name description } }`;
const LIST = `query($first: Int, $after: String, $filter: McpServerFilterInput) {
  mcpServers(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { endCursor hasNextPage } nodes { id name }
  }
}`;
const UNKNOWN_ID = '0190b6a2-0000-7000-8000-000000000000';

interface ServersPage {
  mcpServers: { totalCount: number; pageInfo: { endCursor: string | null; hasNextPage: boolean }; nodes: Array<{ id: string; name: string }> };
}

function fieldPaths(response: GraphQLResponse): string[] {
  const fields = (response.errors?.[0]?.extensions?.['fields'] ?? []) as Array<{ path: string }>;
  return fields.map((f) => f.path).sort();
}

describe('MCP servers through GraphQL', () => {
  let sut: TestControlPlane;
  let operator: string;
  let viewer: string;

  const createServer = async (name: string, description?: string): Promise<string> => {
    const response = await sut.gql<{ createMcpServer: { id: string } }>(CREATE, { input: { name, description } }, operator);
    expect(response.errors).toBeUndefined();
    return response.data!.createMcpServer.id;
  };

  beforeAll(async () => {
    sut = await startControlPlane();
    operator = await sut.keyFor(ApiKeyRole.OPERATOR);
    viewer = await sut.keyFor(ApiKeyRole.VIEWER);
  });
  afterAll(() => sut.close());

  it('creates, reads, updates and deletes a server, each change audited', async () => {
    const id = await createServer('github', 'GitHub tools');

    const byId = await sut.gql<{ mcpServer: { name: string; description: string } }>(
      `query($id: ID!) { mcpServer(id: $id) { name description } }`,
      { id },
      viewer,
    );
    expect(byId.data?.mcpServer).toEqual({ name: 'github', description: 'GitHub tools' });
    const byName = await sut.gql<{ mcpServerByName: { id: string } }>(`query { mcpServerByName(name: "github") { id } }`, {}, viewer);
    expect(byName.data?.mcpServerByName.id).toBe(id);

    const updated = await sut.gql<{ updateMcpServer: { description: string } }>(
      `mutation($id: ID!) { updateMcpServer(id: $id, input: { description: "GitHub issues and PRs" }) { description } }`,
      { id },
      operator,
    );
    expect(updated.data?.updateMcpServer.description).toBe('GitHub issues and PRs');

    const deleted = await sut.gql(`mutation($id: ID!) { deleteMcpServer(id: $id) { id } }`, { id }, operator);
    expect(deleted.errors).toBeUndefined();
    expect(codesOf(await sut.gql(`query($id: ID!) { mcpServer(id: $id) { id } }`, { id }, viewer))).toEqual(['NOT_FOUND']);

    const events = await sut.prisma.adminEvent.findMany({ where: { targetId: id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['mcpServer.create', 'mcpServer.update', 'mcpServer.delete']);
    expect(new Set(events.map((e) => e.targetType))).toEqual(new Set(['McpServer']));
    expect(new Set(events.map((e) => e.actorName))).toEqual(new Set(['test-operator']));
  });

  it('explains that "_" is not allowed in a server name, and reports each bad field', async () => {
    const response = await sut.gql(CREATE, { input: { name: 'git_hub', description: 'x'.repeat(1001) } }, operator);
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(response)).toEqual(['description', 'name']);
    const fields = response.errors![0]!.extensions!['fields'] as Array<{ path: string; message: string }>;
    expect(fields.find((f) => f.path === 'name')?.message).toMatch(/"_" is not allowed because tool names on \/mcp are <server>__<tool>/);

    for (const name of ['GitHub', 'a'.repeat(33), '']) {
      expect(fieldPaths(await sut.gql(CREATE, { input: { name } }, operator))).toEqual(['name']);
    }
  });

  it('refuses a duplicate name with CONFLICT and writes no event for it', async () => {
    await createServer('dup-server');
    const before = await sut.prisma.adminEvent.count();
    expect(codesOf(await sut.gql(CREATE, { input: { name: 'dup-server' } }, operator))).toEqual(['CONFLICT']);
    expect(await sut.prisma.adminEvent.count()).toBe(before);
  });

  it('refuses to delete a server that still has versions, naming how many', async () => {
    const id = await createServer('versioned');
    for (const version of ['1.0.0', '1.1.0']) {
      await sut.prisma.mcpServerVersion.create({ data: { serverId: id, version, transport: 'STDIO', command: 'node' } });
    }
    const response = await sut.gql(`mutation($id: ID!) { deleteMcpServer(id: $id) { id } }`, { id }, operator);
    expect(codesOf(response)).toEqual(['CONFLICT']);
    expect(response.errors![0]!.message).toMatch(/still has 2 version\(s\)/);
    expect(await sut.prisma.mcpServer.count({ where: { id } })).toBe(1);
  });

  it('shows the newest versions and the route policy on the server', async () => {
    const id = await createServer('with-fields');
    const query = `query($id: ID!) { mcpServer(id: $id) { versions { version } routePolicy { routerKind } } }`;
    const bare = await sut.gql<{ mcpServer: { versions: unknown[]; routePolicy: unknown } }>(query, { id }, viewer);
    expect(bare.data?.mcpServer).toEqual({ versions: [], routePolicy: null });

    for (const version of ['0.1.0', '0.2.0', '0.3.0']) {
      await sut.prisma.mcpServerVersion.create({ data: { serverId: id, version, transport: 'STDIO', command: 'node' } });
    }
    await sut.prisma.routePolicy.create({ data: { serverId: id, routerKind: 'THOMPSON' } });
    const full = await sut.gql<{ mcpServer: { versions: Array<{ version: string }>; routePolicy: { routerKind: string } } }>(
      query,
      { id },
      viewer,
    );
    expect(full.data?.mcpServer.versions.map((v) => v.version)).toEqual(['0.3.0', '0.2.0', '0.1.0']);
    expect(full.data?.mcpServer.routePolicy).toEqual({ routerKind: 'THOMPSON' });
  });

  it('counts up to 100 versions per server in the query cost', async () => {
    const small = await sut.gql(`query { mcpServers(first: 5) { nodes { versions { id } } } }`, {}, viewer);
    expect(small.errors).toBeUndefined();
    const large = await sut.gql(`query { mcpServers(first: 100) { nodes { versions { id version command args } } } }`, {}, viewer);
    expect(codesOf(large)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('pages through a filtered list with cursors', async () => {
    for (let i = 0; i < 5; i++) await createServer(`paged-${i}`);
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page: GraphQLResponse<ServersPage> = await sut.gql<ServersPage>(LIST, { first: 2, after, filter: { nameContains: 'PAGED' } }, viewer);
      const { nodes, pageInfo, totalCount } = page.data!.mcpServers;
      expect(totalCount).toBe(5);
      seen.push(...nodes.map((n) => n.name));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual(['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4']);
    expect(codesOf(await sut.gql(LIST, { after: 'bogus' }, viewer))).toEqual(['BAD_USER_INPUT']);
  });

  it('answers NOT_FOUND for an unknown id or name and BAD_USER_INPUT for a malformed id', async () => {
    expect(codesOf(await sut.gql(`query { mcpServer(id: "${UNKNOWN_ID}") { id } }`, {}, viewer))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(`query { mcpServerByName(name: "nobody") { id } }`, {}, viewer))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(`query { mcpServer(id: "42") { id } }`, {}, viewer))).toEqual(['BAD_USER_INPUT']);
    const update = await sut.gql(`mutation { updateMcpServer(id: "${UNKNOWN_ID}", input: { description: "x" }) { id } }`, {}, operator);
    expect(codesOf(update)).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(`mutation { deleteMcpServer(id: "${UNKNOWN_ID}") { id } }`, {}, operator))).toEqual(['NOT_FOUND']);
  });
});
