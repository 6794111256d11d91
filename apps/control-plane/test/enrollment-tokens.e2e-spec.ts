import { createHash } from 'node:crypto';
import { DomainError } from '@switchyard/protocol';
import { EnrollmentTokensService } from '../src/enrollment/enrollment-tokens.service.js';
import { codesOf, startControlPlane, ApiKeyRole, type TestControlPlane } from './harness.js';

const FIELDS = 'id prefix description expiresAt usedAt usedByRunnerId revokedAt createdAt state nodepool { id name }';
const CREATE = `mutation($input: CreateEnrollmentTokenInput!) {
  createEnrollmentToken(input: $input) { token enrollmentToken { ${FIELDS} } }
}`;
const GET = `query($id: ID!) { enrollmentToken(id: $id) { ${FIELDS} } }`;
const REVOKE = `mutation($id: ID!) { revokeEnrollmentToken(id: $id) { ${FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteEnrollmentToken(id: $id) { ${FIELDS} } }`;
const LIST = `query($first: Int, $after: String, $filter: EnrollmentTokenFilterInput) {
  enrollmentTokens(first: $first, after: $after, filter: $filter) { totalCount pageInfo { endCursor hasNextPage } nodes { ${FIELDS} } }
}`;

interface TokenFields {
  id: string;
  prefix: string;
  description: string;
  expiresAt: string;
  usedAt: string | null;
  revokedAt: string | null;
  state: string;
  nodepool: { id: string; name: string };
}
interface Created {
  createEnrollmentToken: { token: string; enrollmentToken: TokenFields };
}
interface TokensPage {
  enrollmentTokens: { totalCount: number; pageInfo: { endCursor: string | null; hasNextPage: boolean }; nodes: TokenFields[] };
}

const MINUTE = 60_000;

describe('enrollment tokens', () => {
  let sut: TestControlPlane;
  let operator: string;
  let viewer: string;
  let poolA: string;
  let poolB: string;
  const service = () => sut.app.get(EnrollmentTokensService);

  beforeAll(async () => {
    sut = await startControlPlane();
    operator = await sut.keyFor(ApiKeyRole.OPERATOR);
    viewer = await sut.keyFor(ApiKeyRole.VIEWER);
    poolA = (await sut.prisma.nodepool.create({ data: { name: 'pool-a', kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } })).id;
    poolB = (await sut.prisma.nodepool.create({ data: { name: 'pool-b', kind: 'VPC', region: 'us-east-1', jurisdiction: 'US' } })).id;
  });
  afterAll(() => sut.close());

  async function create(input: Record<string, unknown>): Promise<Created['createEnrollmentToken']> {
    const response = await sut.gql<Created>(CREATE, { input }, operator);
    expect(response.errors).toBeUndefined();
    return response.data!.createEnrollmentToken;
  }

  async function unauthenticatedMessage(attempt: Promise<unknown>): Promise<string> {
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('UNAUTHENTICATED');
    return (error as DomainError).message;
  }

  it('shows the token once, stores only its hash, and audits create, revoke and delete', async () => {
    const before = Date.now();
    const { token, enrollmentToken } = await create({ nodepoolId: poolA, description: 'rack 4' });
    expect(token).toMatch(/^syet_[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(enrollmentToken.prefix.replace('…', ''))).toBe(true);
    expect(enrollmentToken).toMatchObject({ state: 'ACTIVE', description: 'rack 4', usedAt: null, revokedAt: null, nodepool: { id: poolA, name: 'pool-a' } });
    const ttl = Date.parse(enrollmentToken.expiresAt) - before;
    expect(ttl).toBeGreaterThan(59 * MINUTE);
    expect(ttl).toBeLessThanOrEqual(61 * MINUTE);

    const row = await sut.prisma.enrollmentToken.findUniqueOrThrow({ where: { id: enrollmentToken.id } });
    expect(row.hash).toBe(createHash('sha256').update(token).digest('hex'));
    const secretPart = token.slice(enrollmentToken.prefix.length);
    expect(JSON.stringify(row)).not.toContain(secretPart);

    const read = await sut.gql<{ enrollmentToken: TokenFields }>(GET, { id: enrollmentToken.id }, viewer);
    expect(read.data?.enrollmentToken).toEqual(enrollmentToken);
    expect(JSON.stringify(read)).not.toContain(secretPart);

    const revoked = await sut.gql<{ revokeEnrollmentToken: TokenFields }>(REVOKE, { id: enrollmentToken.id }, operator);
    expect(revoked.data?.revokeEnrollmentToken.state).toBe('REVOKED');
    const again = await sut.gql<{ revokeEnrollmentToken: TokenFields }>(REVOKE, { id: enrollmentToken.id }, operator);
    expect(again.data?.revokeEnrollmentToken.revokedAt).toBe(revoked.data?.revokeEnrollmentToken.revokedAt);

    expect((await sut.gql(DELETE, { id: enrollmentToken.id }, operator)).errors).toBeUndefined();
    expect(codesOf(await sut.gql(GET, { id: enrollmentToken.id }, viewer))).toEqual(['NOT_FOUND']);

    const events = await sut.prisma.adminEvent.findMany({ where: { targetId: enrollmentToken.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['enrollmentToken.create', 'enrollmentToken.revoke', 'enrollmentToken.delete']);
    expect(events[0]!.details).toMatchObject({ nodepool: 'pool-a', prefix: enrollmentToken.prefix });
    expect(JSON.stringify(events)).not.toContain(secretPart);
  });

  it('consumes a token once, then says why it no longer works', async () => {
    const { token, enrollmentToken } = await create({ nodepoolId: poolB });
    const now = new Date();
    await expect(service().consume(token, now)).resolves.toEqual({
      tokenId: enrollmentToken.id,
      nodepoolId: poolB,
      prefix: enrollmentToken.prefix,
      createdByKeyId: expect.any(String),
    });
    expect(await unauthenticatedMessage(service().consume(token, now))).toBe('This enrollment token has already been used');

    const read = await sut.gql<{ enrollmentToken: TokenFields }>(GET, { id: enrollmentToken.id }, viewer);
    expect(read.data?.enrollmentToken.state).toBe('USED');
    expect(read.data?.enrollmentToken.usedAt).toBe(now.toISOString());

    const revokeUsed = await sut.gql(REVOKE, { id: enrollmentToken.id }, operator);
    expect(codesOf(revokeUsed)).toEqual(['CONFLICT']);
  });

  it('spends a token inside the enrollment transaction: a failed enrollment leaves it unused', async () => {
    const { token, enrollmentToken } = await create({ nodepoolId: poolA });
    const enrollmentFailed = sut.prisma.$transaction(async (tx) => {
      await service().consume(token, new Date(), tx);
      throw new Error('runner creation failed');
    });
    await expect(enrollmentFailed).rejects.toThrow('runner creation failed');
    expect((await sut.prisma.enrollmentToken.findUniqueOrThrow({ where: { id: enrollmentToken.id } })).usedAt).toBeNull();

    const runnerId = '0190b6a2-0000-7000-8000-0000000000aa';
    await sut.prisma.$transaction(async (tx) => {
      const { tokenId } = await service().consume(token, new Date(), tx);
      await service().recordRunner(tx, tokenId, runnerId);
    });
    const read = await sut.gql<{ enrollmentToken: TokenFields & { usedByRunnerId: string } }>(GET, { id: enrollmentToken.id }, viewer);
    expect(read.data?.enrollmentToken).toMatchObject({ state: 'USED', usedByRunnerId: runnerId });
  });

  it('refuses unknown, expired and revoked tokens with distinct messages', async () => {
    expect(await unauthenticatedMessage(service().consume(`syet_${'A'.repeat(43)}`))).toBe('Unknown enrollment token');
    expect(await unauthenticatedMessage(service().consume('not-a-token'))).toBe('Unknown enrollment token');

    const shortLived = await create({ nodepoolId: poolA, ttlMinutes: 1 });
    const later = new Date(Date.now() + 2 * MINUTE);
    expect(await unauthenticatedMessage(service().consume(shortLived.token, later))).toBe('This enrollment token has expired');

    const revoked = await create({ nodepoolId: poolA });
    await sut.gql(REVOKE, { id: revoked.enrollmentToken.id }, operator);
    expect(await unauthenticatedMessage(service().consume(revoked.token))).toBe('This enrollment token has been revoked');

    // None of the failed attempts spent a token.
    const rows = await sut.prisma.enrollmentToken.findMany({ where: { id: { in: [shortLived.enrollmentToken.id, revoked.enrollmentToken.id] } } });
    expect(rows.map((r) => r.usedAt)).toEqual([null, null]);
  });

  it('lets exactly one of many concurrent consumes of one token succeed', async () => {
    const { token, enrollmentToken } = await create({ nodepoolId: poolA });
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => service().consume(token, new Date())));
    const succeeded = attempts.filter((a) => a.status === 'fulfilled');
    const failed = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(succeeded).toHaveLength(1);
    expect(new Set(failed.map((f) => (f.reason as DomainError).message))).toEqual(new Set(['This enrollment token has already been used']));
    expect((succeeded[0] as PromiseFulfilledResult<unknown>).value).toMatchObject({ tokenId: enrollmentToken.id, nodepoolId: poolA });
  });

  it('reports each invalid field, and NOT_FOUND for an unknown nodepool or token', async () => {
    const bad = await sut.gql(CREATE, { input: { nodepoolId: 'pool-a', ttlMinutes: 10081, description: 'd'.repeat(501) } }, operator);
    expect(codesOf(bad)).toEqual(['BAD_USER_INPUT']);
    const fields = bad.errors![0]!.extensions!['fields'] as Array<{ path: string }>;
    expect(fields.map((f) => f.path).sort()).toEqual(['description', 'nodepoolId', 'ttlMinutes']);
    const zero = await sut.gql(CREATE, { input: { nodepoolId: poolA, ttlMinutes: 0 } }, operator);
    expect((zero.errors![0]!.extensions!['fields'] as Array<{ path: string }>).map((f) => f.path)).toEqual(['ttlMinutes']);
    expect((await sut.gql(CREATE, { input: { nodepoolId: poolA, ttlMinutes: 10080 } }, operator)).errors).toBeUndefined();

    const missing = '0190b6a2-0000-7000-8000-000000000000';
    expect(codesOf(await sut.gql(CREATE, { input: { nodepoolId: missing } }, operator))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(GET, { id: missing }, viewer))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(REVOKE, { id: missing }, operator))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(DELETE, { id: missing }, operator))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(CREATE, { input: { nodepoolId: poolA } }, viewer))).toEqual(['FORBIDDEN']);
  });

  it('filters by nodepool and state and pages with cursors', async () => {
    const pool = (await sut.prisma.nodepool.create({ data: { name: 'pool-filter', kind: 'SAAS', region: 'eu-west-1', jurisdiction: 'EU' } })).id;
    const ids: Record<string, string> = {};
    for (const name of ['active1', 'active2', 'active3', 'used', 'expired', 'revoked']) {
      ids[name] = (await create({ nodepoolId: pool, description: name })).enrollmentToken.id;
    }
    await sut.prisma.enrollmentToken.update({ where: { id: ids['used']! }, data: { usedAt: new Date() } });
    await sut.prisma.enrollmentToken.update({ where: { id: ids['expired']! }, data: { expiresAt: new Date(Date.now() - MINUTE) } });
    await sut.prisma.enrollmentToken.update({ where: { id: ids['revoked']! }, data: { revokedAt: new Date() } });

    const descriptions = async (filter: Record<string, unknown>) => {
      const page = await sut.gql<TokensPage>(LIST, { filter }, viewer);
      expect(page.errors).toBeUndefined();
      return page.data!.enrollmentTokens.nodes.map((n) => [n.description, n.state]);
    };
    expect(await descriptions({ nodepoolId: pool, state: 'ACTIVE' })).toEqual([
      ['active1', 'ACTIVE'],
      ['active2', 'ACTIVE'],
      ['active3', 'ACTIVE'],
    ]);
    expect(await descriptions({ nodepoolId: pool, state: 'USED' })).toEqual([['used', 'USED']]);
    expect(await descriptions({ nodepoolId: pool, state: 'EXPIRED' })).toEqual([['expired', 'EXPIRED']]);
    expect(await descriptions({ nodepoolId: pool, state: 'REVOKED' })).toEqual([['revoked', 'REVOKED']]);

    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page: { data?: TokensPage | null } = await sut.gql<TokensPage>(LIST, { first: 4, after, filter: { nodepoolId: pool } }, viewer);
      expect(page.data!.enrollmentTokens.totalCount).toBe(6);
      seen.push(...page.data!.enrollmentTokens.nodes.map((n) => n.description));
      if (!page.data!.enrollmentTokens.pageInfo.hasNextPage) break;
      after = page.data!.enrollmentTokens.pageInfo.endCursor;
    }
    expect(seen).toEqual(['active1', 'active2', 'active3', 'used', 'expired', 'revoked']);

    const badFilter = await sut.gql(LIST, { filter: { nodepoolId: 'x' } }, viewer);
    expect((badFilter.errors![0]!.extensions!['fields'] as Array<{ path: string }>).map((f) => f.path)).toEqual(['filter.nodepoolId']);
  });
});
