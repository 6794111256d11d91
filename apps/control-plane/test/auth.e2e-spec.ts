import { codesOf, startControlPlane, ApiKeyRole, type TestControlPlane } from './harness.js';
import { hashSecret } from '../src/auth/api-key-secret.js';

const WHOAMI = `query { whoami { id name role state } }`;
const CREATE_KEY = `mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { key apiKey { id name role scopes prefix expiresAt state } }
}`;

describe('API keys and authentication', () => {
  let sut: TestControlPlane;
  let admin: string;

  beforeAll(async () => {
    sut = await startControlPlane();
    admin = await sut.keyFor(ApiKeyRole.ADMIN);
  });
  afterAll(() => sut.close());

  it('refuses anonymous and unknown callers with UNAUTHENTICATED', async () => {
    expect(codesOf(await sut.gql(WHOAMI))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await sut.gql(WHOAMI, {}, `sy_${'A'.repeat(43)}`))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await sut.gql(WHOAMI, {}, 'not-even-a-key'))).toEqual(['UNAUTHENTICATED']);
  });

  it('shows a new key once, stores only its hash, and the key works', async () => {
    const created = await sut.gql<{ createApiKey: { key: string; apiKey: { id: string; role: string; scopes: string[]; prefix: string; expiresAt: string } } }>(
      CREATE_KEY,
      { input: { name: 'ci-agent', role: 'AGENT' } },
      admin,
    );
    expect(created.errors).toBeUndefined();
    const { key, apiKey } = created.data!.createApiKey;
    expect(key).toMatch(/^sy_/);
    expect(apiKey.scopes).toEqual(['mcp:call']);
    expect(key.startsWith(apiKey.prefix.replace('…', ''))).toBe(true);
    expect(new Date(apiKey.expiresAt).getTime()).toBeGreaterThan(Date.now() + 80 * 86_400_000);

    const row = await sut.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(row.hash).toBe(hashSecret(key));
    expect(JSON.stringify(row)).not.toContain(key);

    const listed = await sut.gql(`query { apiKeys { nodes { id prefix } } }`, {}, admin);
    expect(JSON.stringify(listed)).not.toContain(key);

    // An agent key holds mcp:call but has no admin API access.
    expect(codesOf(await sut.gql(WHOAMI, {}, key))).toEqual(['FORBIDDEN']);
  });

  it('gives operators mcp:call only when granted', async () => {
    const created = await sut.gql<{ createApiKey: { apiKey: { scopes: string[] } } }>(
      CREATE_KEY,
      { input: { name: 'op', role: 'OPERATOR' } },
      admin,
    );
    expect(created.data!.createApiKey.apiKey.scopes).toEqual([]);
    const granted = await sut.gql<{ createApiKey: { apiKey: { scopes: string[] } } }>(
      CREATE_KEY,
      { input: { name: 'op2', role: 'OPERATOR', scopes: ['mcp:call'], allowedServers: ['everything'], allowedTools: ['everything__echo'] } },
      admin,
    );
    expect(granted.data!.createApiKey.apiKey.scopes).toEqual(['mcp:call']);
    const bad = await sut.gql(CREATE_KEY, { input: { name: 'op3', role: 'OPERATOR', scopes: ['root'], allowedTools: ['echo'] } }, admin);
    expect(codesOf(bad)).toEqual(['BAD_USER_INPUT']);
    const paths = (bad.errors![0]!.extensions!['fields'] as Array<{ path: string }>).map((f) => f.path).sort();
    expect(paths).toEqual(['allowedTools', 'scopes']);
  });

  let revokedKeyId = '';

  it('a revoked key stops working on the next request', async () => {
    const viewerKey = await sut.keyFor(ApiKeyRole.VIEWER, 'soon-revoked');
    const me = await sut.gql<{ whoami: { id: string; state: string } }>(WHOAMI, {}, viewerKey);
    expect(me.data?.whoami.state).toBe('ACTIVE');
    const revoked = await sut.gql<{ revokeApiKey: { state: string } }>(
      `mutation($id: ID!) { revokeApiKey(id: $id) { state } }`,
      { id: me.data!.whoami.id },
      admin,
    );
    expect(revoked.data?.revokeApiKey.state).toBe('REVOKED');
    revokedKeyId = me.data!.whoami.id;
    const after = await sut.gql(WHOAMI, {}, viewerKey);
    expect(codesOf(after)).toEqual(['UNAUTHENTICATED']);
    expect(after.errors![0]!.message).toMatch(/revoked/);
  });

  it('an expired key is refused', async () => {
    const key = await sut.keyFor(ApiKeyRole.VIEWER, 'expired');
    await sut.prisma.apiKey.updateMany({ where: { name: 'expired' }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const response = await sut.gql(WHOAMI, {}, key);
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.errors![0]!.message).toMatch(/expired/);
  });

  it('lets admins read the audit log of mutations, newest first, and nobody else', async () => {
    const events = await sut.gql<{ adminEvents: { nodes: Array<{ action: string; actorName: string }> } }>(
      `query($id: String) { adminEvents(first: 50, filter: { targetType: "ApiKey", targetId: $id }) { nodes { action actorName targetId at } } }`,
      { id: revokedKeyId },
      admin,
    );
    expect(events.errors).toBeUndefined();
    expect(events.data!.adminEvents.nodes.map((e) => [e.action, e.actorName])).toEqual([
      ['apiKey.revoke', 'test-admin'],
      ['apiKey.create', 'cli'],
    ]);
    const operator = await sut.keyFor(ApiKeyRole.OPERATOR);
    expect(codesOf(await sut.gql(`query { adminEvents { totalCount } }`, {}, operator))).toEqual(['FORBIDDEN']);
  });

  it('refuses queries that are too costly, counting page sizes', async () => {
    const modest = await sut.gql(`query { whoami { id } a: nodepools { nodes { labels { key } } } }`, {}, admin);
    expect(modest.errors).toBeUndefined();
    const costly = await sut.gql(
      `query { mcpServers(first: 100) { nodes { id versions { id version args } } } nodepools(first: 100) { nodes { id labels { key value } } } }`,
      {},
      admin,
    );
    expect(codesOf(costly)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(costly.status).toBe(400);
    expect(costly.errors![0]!.message).toMatch(/complexity \d+ exceeds the limit of 20000/);
  });
});
