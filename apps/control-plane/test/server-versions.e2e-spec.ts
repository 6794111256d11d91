import { codesOf, startControlPlane, ApiKeyRole, type GraphQLResponse, type TestControlPlane } from './harness.js';

const VERSION_FIELDS = 'id serverId version transport command args env { name value } secretEnv { name secret } url artifactIntegrity stateless toolsHash';
const CREATE = `mutation($input: CreateMcpServerVersionInput!) { createMcpServerVersion(input: $input) { ${VERSION_FIELDS} server { name } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateMcpServerVersionInput!) { updateMcpServerVersion(id: $id, input: $input) { ${VERSION_FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteMcpServerVersion(id: $id) { id } }`;
const LIST = `query($first: Int, $after: String, $filter: McpServerVersionFilterInput) {
  mcpServerVersions(first: $first, after: $after, filter: $filter) { totalCount pageInfo { endCursor hasNextPage } nodes { version } }
}`;
const UNKNOWN_ID = '0190b6a2-0000-7000-8000-000000000000';
const SRI = 'sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==';

interface Version {
  id: string;
  version: string;
  command: string | null;
  args: string[];
  env: Array<{ name: string; value: string }>;
  secretEnv: Array<{ name: string; secret: string }>;
  url: string | null;
  artifactIntegrity: string | null;
  stateless: boolean;
  toolsHash: string | null;
  server?: { name: string };
}

function fieldPaths(response: GraphQLResponse): string[] {
  const fields = (response.errors?.[0]?.extensions?.['fields'] ?? []) as Array<{ path: string }>;
  return fields.map((f) => f.path).sort();
}

describe('MCP server versions through GraphQL', () => {
  let sut: TestControlPlane;
  let operator: string;
  let viewer: string;
  let serverId: string;
  let nodepoolId: string;

  const stdio = (version: string, extra: Record<string, unknown> = {}) => ({
    serverName: 'files',
    version,
    transport: 'STDIO',
    command: 'npx',
    args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'],
    ...extra,
  });
  const createVersion = async (input: Record<string, unknown>): Promise<Version> => {
    const response = await sut.gql<{ createMcpServerVersion: Version }>(CREATE, { input }, operator);
    expect(response.errors).toBeUndefined();
    return response.data!.createMcpServerVersion;
  };

  beforeAll(async () => {
    sut = await startControlPlane();
    operator = await sut.keyFor(ApiKeyRole.OPERATOR);
    viewer = await sut.keyFor(ApiKeyRole.VIEWER);
    serverId = (await sut.prisma.mcpServer.create({ data: { name: 'files' } })).id;
    await sut.prisma.mcpServer.create({ data: { name: 'weather' } });
    nodepoolId = (await sut.prisma.nodepool.create({ data: { name: 'eu-saas', kind: 'SAAS', region: 'eu-west-1', jurisdiction: 'EU' } })).id;
    await sut.prisma.secret.create({ data: { name: 'fs-token', ciphertext: 'v1:k:iv:tag:SECRET-CIPHERTEXT' } });
  });
  afterAll(() => sut.close());

  it('creates, reads, updates and deletes a version, each change audited and no value of a secret shown', async () => {
    const created = await createVersion(
      stdio('1.0.0', { env: [{ name: 'LOG_LEVEL', value: 'debug' }], secretEnv: [{ name: 'FS_TOKEN', secret: 'fs-token' }] }),
    );
    expect(created).toMatchObject({
      serverId,
      version: '1.0.0',
      env: [{ name: 'LOG_LEVEL', value: 'debug' }],
      secretEnv: [{ name: 'FS_TOKEN', secret: 'fs-token' }],
      url: null,
      stateless: false,
      toolsHash: null,
      server: { name: 'files' },
    });

    const read = await sut.gql<{ mcpServerVersion: Version }>(`query($id: ID!) { mcpServerVersion(id: $id) { ${VERSION_FIELDS} } }`, { id: created.id }, viewer);
    expect(read.data?.mcpServerVersion.command).toBe('npx');
    expect(JSON.stringify(read)).not.toContain('SECRET-CIPHERTEXT');

    const updated = await sut.gql<{ updateMcpServerVersion: Version }>(UPDATE, { id: created.id, input: { stateless: true, artifactIntegrity: SRI } }, operator);
    expect(updated.data?.updateMcpServerVersion).toMatchObject({ stateless: true, artifactIntegrity: SRI });

    expect((await sut.gql(DELETE, { id: created.id }, operator)).errors).toBeUndefined();
    const gone = await sut.gql(`query($id: ID!) { mcpServerVersion(id: $id) { id } }`, { id: created.id }, viewer);
    expect(codesOf(gone)).toEqual(['NOT_FOUND']);

    const events = await sut.prisma.adminEvent.findMany({ where: { targetId: created.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['mcpServerVersion.create', 'mcpServerVersion.update', 'mcpServerVersion.delete']);
    expect(JSON.stringify(events)).not.toContain('debug'); // env values stay out of the audit log
  });

  it('creates a Streamable HTTP version by server id', async () => {
    const created = await createVersion({ serverId, version: '2.0.0-http', transport: 'STREAMABLE_HTTP', url: 'http://127.0.0.1:9000/mcp' });
    expect(created).toMatchObject({ command: null, args: [], url: 'http://127.0.0.1:9000/mcp' });
  });

  it('reports each invalid field of the input', async () => {
    const response = await sut.gql(
      CREATE,
      { input: stdio('not a version!', { env: [{ name: 'lower', value: 'x' }], secretEnv: [{ name: 'OK', secret: '' }], artifactIntegrity: 'md5-abc' }) },
      operator,
    );
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(response)).toEqual(['artifactIntegrity', 'env.0.name', 'secretEnv.0.secret', 'version']);
  });

  it('checks the launch spec across fields, each problem on its field', async () => {
    const stdioWithUrl = await sut.gql(CREATE, { input: stdio('3.0.0', { command: undefined, url: 'http://localhost/mcp' }) }, operator);
    expect(fieldPaths(stdioWithUrl)).toEqual(['command', 'url']);

    const httpWithCommand = { serverName: 'files', version: '3.0.0', transport: 'STREAMABLE_HTTP', url: 'ftp://host/mcp', command: 'node' };
    expect(fieldPaths(await sut.gql(CREATE, { input: httpWithCommand }, operator))).toEqual(['command', 'url']);

    const bothServers = await sut.gql(CREATE, { input: stdio('3.0.0', { serverId }) }, operator);
    expect(fieldPaths(bothServers)).toEqual(['serverId', 'serverName']);
    const noServer = await sut.gql(CREATE, { input: stdio('3.0.0', { serverName: undefined }) }, operator);
    expect(fieldPaths(noServer)).toEqual(['serverId', 'serverName']);

    const secrets = [
      { name: 'FS_TOKEN', secret: 'fs-token' },
      { name: 'OTHER', secret: 'no-such-secret' },
    ];
    const missing = await sut.gql(CREATE, { input: stdio('3.0.0', { secretEnv: secrets }) }, operator);
    expect(fieldPaths(missing)).toEqual(['secretEnv.1.secret']);
    expect(missing.errors![0]!.message).toMatch(/no Secret named "no-such-secret"/);

    const overlap = { env: [{ name: 'FS_TOKEN', value: 'plain' }], secretEnv: [{ name: 'FS_TOKEN', secret: 'fs-token' }] };
    expect(fieldPaths(await sut.gql(CREATE, { input: stdio('3.0.0', overlap) }, operator))).toEqual(['secretEnv.0.name']);
    expect(await sut.prisma.mcpServerVersion.count({ where: { version: '3.0.0' } })).toBe(0);
  });

  it('answers NOT_FOUND for an unknown server and CONFLICT for a repeated version', async () => {
    expect(codesOf(await sut.gql(CREATE, { input: stdio('1.0.0', { serverName: 'nobody' }) }, operator))).toEqual(['NOT_FOUND']);
    const byId = await sut.gql(CREATE, { input: stdio('1.0.0', { serverName: undefined, serverId: UNKNOWN_ID }) }, operator);
    expect(codesOf(byId)).toEqual(['NOT_FOUND']);

    await createVersion(stdio('4.0.0'));
    const again = await sut.gql(CREATE, { input: stdio('4.0.0') }, operator);
    expect(codesOf(again)).toEqual(['CONFLICT']);
    expect(again.errors![0]!.message).toMatch(/already has a version 4.0.0/);
  });

  it('changes the launch spec only while the version is not deployed', async () => {
    const version = await createVersion(stdio('5.0.0'));
    await sut.prisma.mcpServerVersion.update({ where: { id: version.id }, data: { toolsHash: 'sha256-old' } });

    const relaunched = await sut.gql<{ updateMcpServerVersion: Version }>(UPDATE, { id: version.id, input: { args: ['server.js'], command: 'node' } }, operator);
    expect(relaunched.data?.updateMcpServerVersion).toMatchObject({ command: 'node', args: ['server.js'], toolsHash: null });

    const invalid = await sut.gql(UPDATE, { id: version.id, input: { transport: 'STREAMABLE_HTTP' } }, operator);
    expect(fieldPaths(invalid)).toEqual(['args', 'command', 'url']);

    await sut.prisma.deployment.create({ data: { versionId: version.id, nodepoolId } });
    const refused = await sut.gql(UPDATE, { id: version.id, input: { env: [{ name: 'A', value: '1' }] } }, operator);
    expect(codesOf(refused)).toEqual(['CONFLICT']);
    expect(refused.errors![0]!.message).toMatch(/launch spec \(env\) cannot change; create a new version instead/);

    const flags = await sut.gql<{ updateMcpServerVersion: Version }>(UPDATE, { id: version.id, input: { stateless: true, command: 'node' } }, operator);
    expect(flags.data?.updateMcpServerVersion.stateless).toBe(true);
    const cleared = await sut.gql<{ updateMcpServerVersion: Version }>(UPDATE, { id: version.id, input: { artifactIntegrity: null } }, operator);
    expect(cleared.data?.updateMcpServerVersion.artifactIntegrity).toBeNull();
  });

  it('refuses to delete a version that is deployed or in a rollout', async () => {
    const deployed = await createVersion(stdio('6.0.0'));
    await sut.prisma.deployment.create({ data: { versionId: deployed.id, nodepoolId } });
    const response = await sut.gql(DELETE, { id: deployed.id }, operator);
    expect(codesOf(response)).toEqual(['CONFLICT']);
    expect(response.errors![0]!.message).toMatch(/1 deployment\(s\) and 0 rollout\(s\)/);

    const champion = await createVersion(stdio('7.0.0'));
    const challenger = await createVersion(stdio('7.1.0'));
    await sut.prisma.rollout.create({ data: { serverId, championVersionId: champion.id, challengerVersionId: challenger.id } });
    const inRollout = await sut.gql(DELETE, { id: challenger.id }, operator);
    expect(codesOf(inRollout)).toEqual(['CONFLICT']);
    expect(inRollout.errors![0]!.message).toMatch(/0 deployment\(s\) and 1 rollout\(s\)/);
    expect(codesOf(await sut.gql(DELETE, { id: UNKNOWN_ID }, operator))).toEqual(['NOT_FOUND']);
  });

  it('lists versions by server id or name, page by page', async () => {
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
      await createVersion({ serverName: 'weather', version, transport: 'STREAMABLE_HTTP', url: 'https://weather.internal/mcp' });
    }
    const weatherId = (await sut.prisma.mcpServer.findUniqueOrThrow({ where: { name: 'weather' } })).id;
    type Page = { mcpServerVersions: { totalCount: number; pageInfo: { endCursor: string; hasNextPage: boolean }; nodes: Array<{ version: string }> } };
    const first = await sut.gql<Page>(LIST, { first: 2, filter: { serverName: 'weather' } }, viewer);
    expect(first.data?.mcpServerVersions.totalCount).toBe(3);
    expect(first.data?.mcpServerVersions.nodes.map((n) => n.version)).toEqual(['1.0.0', '1.1.0']);
    const second = await sut.gql<Page>(LIST, { first: 2, after: first.data!.mcpServerVersions.pageInfo.endCursor, filter: { serverId: weatherId } }, viewer);
    expect(second.data?.mcpServerVersions.nodes.map((n) => n.version)).toEqual(['1.2.0']);
    expect(second.data?.mcpServerVersions.pageInfo.hasNextPage).toBe(false);

    const badFilter = await sut.gql(LIST, { filter: { serverId: 'not-an-id' } }, viewer);
    expect(fieldPaths(badFilter)).toEqual(['filter.serverId']);
  });
});
