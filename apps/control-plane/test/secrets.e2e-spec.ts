import { GraphQLSchemaHost } from '@nestjs/graphql';
import { getNamedType, isObjectType } from 'graphql';
import { SecretsService } from '../src/secrets/secrets.service.js';
import { codesOf, startControlPlane, ApiKeyRole, type TestControlPlane } from './harness.js';

const FIELDS = 'id name description createdAt updatedAt';
const CREATE = `mutation($input: CreateSecretInput!) { createSecret(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateSecretInput!) { updateSecret(id: $id, input: $input) { ${FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteSecret(id: $id) { ${FIELDS} } }`;
const GET = `query($id: ID!) { secret(id: $id) { ${FIELDS} } }`;
const LIST = `query($first: Int, $after: String, $filter: SecretFilterInput) {
  secrets(first: $first, after: $after, filter: $filter) { totalCount pageInfo { endCursor hasNextPage } nodes { ${FIELDS} } }
}`;

interface SecretsPage {
  secrets: { totalCount: number; pageInfo: { endCursor: string | null; hasNextPage: boolean }; nodes: Array<{ name: string }> };
}

/** Rows of every table in the test database whose text form contains `needle`. */
async function tablesContaining(sut: TestControlPlane, needle: string): Promise<string[]> {
  const tables = await sut.prisma.$queryRaw<Array<{ name: string }>>`
    SELECT quote_ident(table_name) AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
  const hits: string[] = [];
  for (const { name } of tables) {
    const rows = await sut.prisma.$queryRawUnsafe<Array<{ n: bigint }>>(
      `SELECT count(*) AS n FROM ${name} t WHERE strpos(t::text, $1) > 0`,
      needle,
    );
    if (Number(rows[0]!.n) > 0) hits.push(name);
  }
  return hits;
}

describe('secrets through GraphQL', () => {
  let sut: TestControlPlane;
  let operator: string;
  let viewer: string;

  beforeAll(async () => {
    sut = await startControlPlane();
    operator = await sut.keyFor(ApiKeyRole.OPERATOR);
    viewer = await sut.keyFor(ApiKeyRole.VIEWER);
  });
  afterAll(() => sut.close());

  const create = (input: Record<string, unknown>) => sut.gql<{ createSecret: { id: string; name: string } }>(CREATE, { input }, operator);

  it('keeps the value write-only: encrypted at rest, absent from events and responses, and it decrypts back', async () => {
    const value = 'pw-Zq8!correct-horse-battery-staple';
    const responses: unknown[] = [];
    const created = await create({ name: 'prod-db.password', value, description: 'main database' });
    responses.push(created);
    expect(created.errors).toBeUndefined();
    const id = created.data!.createSecret.id;

    responses.push(await sut.gql(GET, { id }, viewer));
    responses.push(await sut.gql(LIST, {}, viewer));
    const rotated = 'pw-rotated-9f3e1a77d2';
    const updated = await sut.gql(UPDATE, { id, input: { value: rotated } }, operator);
    responses.push(updated);
    expect(updated.errors).toBeUndefined();

    const row = await sut.prisma.secret.findUniqueOrThrow({ where: { id } });
    expect(row.ciphertext).toMatch(/^v1:[0-9a-f]{8}:/);
    for (const secretValue of [value, rotated]) {
      expect(await tablesContaining(sut, secretValue)).toEqual([]);
      expect(await tablesContaining(sut, Buffer.from(secretValue).toString('base64url'))).toEqual([]);
      for (const response of responses) expect(JSON.stringify(response)).not.toContain(secretValue);
    }

    const events = await sut.prisma.adminEvent.findMany({ where: { targetId: id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['secret.create', 'secret.update']);
    expect(events.map((e) => e.details)).toEqual([{ name: 'prod-db.password' }, { name: 'prod-db.password' }]);

    expect(await sut.app.get(SecretsService).revealForDelivery('prod-db.password')).toBe(rotated);
  });

  it('has no field in the schema that could return a value or ciphertext', () => {
    const schema = sut.app.get(GraphQLSchemaHost).schema;
    const secretType = schema.getType('Secret');
    expect(isObjectType(secretType) && Object.keys(secretType.getFields()).sort()).toEqual(
      ['createdAt', 'description', 'id', 'name', 'updatedAt'],
    );
    const returningSecrets = Object.values({ ...schema.getQueryType()!.getFields(), ...schema.getMutationType()!.getFields() })
      .filter((field) => /secret/i.test(field.name))
      .map((field) => getNamedType(field.type).name);
    expect(new Set(returningSecrets)).toEqual(new Set(['Secret', 'SecretConnection']));
  });

  it('updates the description alone and keeps the value', async () => {
    const created = await create({ name: 'keep-value', value: 'v-keep-1' });
    const id = created.data!.createSecret.id;
    const before = await sut.prisma.secret.findUniqueOrThrow({ where: { id } });
    const updated = await sut.gql<{ updateSecret: { description: string } }>(UPDATE, { id, input: { description: 'now described' } }, operator);
    expect(updated.data?.updateSecret.description).toBe('now described');
    expect((await sut.prisma.secret.findUniqueOrThrow({ where: { id } })).ciphertext).toBe(before.ciphertext);
    expect(await sut.app.get(SecretsService).revealForDelivery('keep-value')).toBe('v-keep-1');
  });

  it('deletes a secret, audited, and then it is gone', async () => {
    const id = (await create({ name: 'short-lived', value: 'x' })).data!.createSecret.id;
    const deleted = await sut.gql<{ deleteSecret: { name: string } }>(DELETE, { id }, operator);
    expect(deleted.data?.deleteSecret.name).toBe('short-lived');
    expect(codesOf(await sut.gql(GET, { id }, viewer))).toEqual(['NOT_FOUND']);
    await expect(sut.app.get(SecretsService).revealForDelivery('short-lived')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const events = await sut.prisma.adminEvent.findMany({ where: { targetId: id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.action, e.details])).toEqual([
      ['secret.create', { name: 'short-lived' }],
      ['secret.delete', { name: 'short-lived' }],
    ]);
  });

  it('refuses to delete a secret a server version still uses, naming the version', async () => {
    const id = (await create({ name: 'github-token', value: 'ghp_x' })).data!.createSecret.id;
    const unrelated = (await create({ name: 'github', value: 'y' })).data!.createSecret.id;
    const server = await sut.prisma.mcpServer.create({ data: { name: 'github' } });
    await sut.prisma.mcpServerVersion.create({
      data: { serverId: server.id, version: '1.2.0', transport: 'STDIO', command: 'node', secretEnv: { GITHUB_TOKEN: 'github-token' } },
    });
    // A key or a plain env value equal to the name is not a reference.
    await sut.prisma.mcpServerVersion.create({
      data: { serverId: server.id, version: '1.3.0', transport: 'STDIO', command: 'node', env: { X: 'github' }, secretEnv: { github: 'github-token' } },
    });
    const before = await sut.prisma.adminEvent.count();

    const refused = await sut.gql(DELETE, { id }, operator);
    expect(codesOf(refused)).toEqual(['CONFLICT']);
    expect(refused.errors![0]!.message).toMatch(/github@1\.2\.0, github@1\.3\.0/);
    expect(await sut.prisma.secret.count({ where: { id } })).toBe(1);
    expect(await sut.prisma.adminEvent.count()).toBe(before);

    expect((await sut.gql(DELETE, { id: unrelated }, operator)).errors).toBeUndefined();
  });

  it('reports each invalid field of the input', async () => {
    const response = await sut.gql(CREATE, { input: { name: '-Bad Name', value: '', description: 'd'.repeat(501) } }, operator);
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    const fields = response.errors![0]!.extensions!['fields'] as Array<{ path: string; message: string }>;
    expect(fields.map((f) => f.path).sort()).toEqual(['description', 'name', 'value']);
    expect(fields.find((f) => f.path === 'value')?.message).toMatch(/1 to 65536 bytes/);

    const tooLong = await sut.gql(CREATE, { input: { name: 'n'.repeat(64), value: 'é'.repeat(32 * 1024 + 1) } }, operator);
    const tooLongFields = tooLong.errors![0]!.extensions!['fields'] as Array<{ path: string }>;
    expect(tooLongFields.map((f) => f.path).sort()).toEqual(['name', 'value']);

    const justFits = await create({ name: 'n'.repeat(63), value: 'x'.repeat(64 * 1024) });
    expect(justFits.errors).toBeUndefined();

    const badUpdate = await sut.gql(UPDATE, { id: justFits.data!.createSecret.id, input: { value: '' } }, operator);
    expect((badUpdate.errors![0]!.extensions!['fields'] as Array<{ path: string }>).map((f) => f.path)).toEqual(['value']);
  });

  it('refuses a duplicate name with CONFLICT and writes no event for it', async () => {
    expect((await create({ name: 'dup-secret', value: 'a' })).errors).toBeUndefined();
    const before = await sut.prisma.adminEvent.count();
    expect(codesOf(await create({ name: 'dup-secret', value: 'b' }))).toEqual(['CONFLICT']);
    expect(await sut.prisma.adminEvent.count()).toBe(before);
    expect(await sut.app.get(SecretsService).revealForDelivery('dup-secret')).toBe('a');
  });

  it('answers NOT_FOUND for unknown ids on read, update and delete', async () => {
    const id = '0190b6a2-0000-7000-8000-000000000000';
    expect(codesOf(await sut.gql(GET, { id }, viewer))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(UPDATE, { id, input: { description: 'x' } }, operator))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(DELETE, { id }, operator))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(GET, { id: 'nope' }, viewer))).toEqual(['BAD_USER_INPUT']);
  });

  it('pages through a filtered list with cursors', async () => {
    for (let i = 0; i < 5; i++) await create({ name: `paged-${i}`, value: `v${i}` });
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page: { data?: SecretsPage | null } = await sut.gql<SecretsPage>(LIST, { first: 2, after, filter: { nameContains: 'PAGED-' } }, viewer);
      const { nodes, pageInfo, totalCount } = page.data!.secrets;
      expect(totalCount).toBe(5);
      seen.push(...nodes.map((n) => n.name));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual(['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4']);
  });

  it('lets viewers read but not write', async () => {
    expect(codesOf(await sut.gql(CREATE, { input: { name: 'by-viewer', value: 'v' } }, viewer))).toEqual(['FORBIDDEN']);
    expect((await sut.gql(LIST, {}, viewer)).errors).toBeUndefined();
  });
});
