import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { createPrismaClient } from './client.js';
import { isForeignKeyViolation, isUniqueViolation, violatedConstraint } from './errors.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

jest.setTimeout(60_000);

const MISSING_ID = '00000000-0000-7000-8000-000000000000';
const nodepool = (name: string) => ({ name, kind: 'SAAS' as const, region: 'eu-west', jurisdiction: 'EU' });

/** The rejection of `work`, which must fail. */
async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

describe('constraint violation helpers, on errors from a real database', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let nodepoolId: string;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: true });
    prisma = createPrismaClient(db.url);
    nodepoolId = (await prisma.nodepool.create({ data: nodepool('eu-1') })).id;
    await prisma.runner.create({ data: { nodepoolId, name: 'r1', publicKey: 'UABC' } });
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  it('recognises a unique violation from a model query, and documents its shape', async () => {
    const error = await failureOf(() => prisma.nodepool.create({ data: nodepool('eu-1') }));

    expect(error).toMatchObject({
      name: 'PrismaClientKnownRequestError',
      code: 'P2002',
      meta: {
        modelName: 'Nodepool',
        driverAdapterError: {
          name: 'DriverAdapterError',
          cause: {
            kind: 'UniqueConstraintViolation',
            originalCode: '23505',
            constraint: { index: 'Nodepool_name_key' },
          },
        },
      },
    });
    expect(isUniqueViolation(error)).toBe(true);
    expect(isForeignKeyViolation(error)).toBe(false);
    expect(violatedConstraint(error)).toBe('Nodepool_name_key');
  });

  it('recognises unique violations inside interactive transactions and from raw queries (P2010)', async () => {
    const inTransaction = await failureOf(() =>
      prisma.$transaction(async (tx) => tx.nodepool.create({ data: nodepool('eu-1') })),
    );
    const raw = await failureOf(
      () =>
        prisma.$executeRaw`INSERT INTO "Nodepool" (id, name, kind, region, jurisdiction, "updatedAt")
                           VALUES (gen_random_uuid(), 'eu-1', 'SAAS', 'r', 'j', now())`,
    );
    expect(raw).toMatchObject({ code: 'P2010' });
    expect(isUniqueViolation(inTransaction)).toBe(true);
    expect(isUniqueViolation(raw)).toBe(true);
    expect(isForeignKeyViolation(raw)).toBe(false);
  });

  it('recognises a foreign key pointing nowhere (P2003, 23503)', async () => {
    const error = await failureOf(() =>
      prisma.runner.create({ data: { nodepoolId: MISSING_ID, name: 'r2', publicKey: 'UDEF' } }),
    );
    expect(error).toMatchObject({
      code: 'P2003',
      meta: { driverAdapterError: { cause: { kind: 'ForeignKeyConstraintViolation', originalCode: '23503' } } },
    });
    expect(isForeignKeyViolation(error)).toBe(true);
    expect(isUniqueViolation(error)).toBe(false);
    expect(violatedConstraint(error)).toBe('Runner_nodepoolId_fkey');
  });

  it('recognises deleting a row still referenced through onDelete: Restrict (P2003, 23001)', async () => {
    const error = await failureOf(() => prisma.nodepool.delete({ where: { id: nodepoolId } }));
    expect(error).toMatchObject({
      code: 'P2003',
      meta: { driverAdapterError: { cause: { kind: 'RestrictViolation', originalCode: '23001' } } },
    });
    expect(isForeignKeyViolation(error)).toBe(true);
    expect(isUniqueViolation(error)).toBe(false);
  });

  it('recognises plain node-postgres errors and wrapped causes', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const unique = await failureOf(() =>
        client.query(`INSERT INTO "Runner" (id, "nodepoolId", name, "publicKey", "updatedAt")
                      VALUES (gen_random_uuid(), '${nodepoolId}', 'r9', 'UABC', now())`),
      );
      const fk = await failureOf(() =>
        client.query(`INSERT INTO "Placement" (id, "deploymentId", "runnerId")
                      VALUES (gen_random_uuid(), '${MISSING_ID}', '${MISSING_ID}')`),
      );
      expect(isUniqueViolation(unique)).toBe(true);
      expect(violatedConstraint(unique)).toBe('Runner_publicKey_key');
      expect(isForeignKeyViolation(fk)).toBe(true);
      expect(isUniqueViolation(new Error('while saving', { cause: unique }))).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('says no to everything else', async () => {
    const notFound = await failureOf(() => prisma.nodepool.update({ where: { id: MISSING_ID }, data: { region: 'x' } }));
    expect(notFound).toMatchObject({ code: 'P2025' });
    await prisma.adminEvent.create({ data: { actorName: 'test', action: 'x', targetType: 'y' } });
    const appendOnly = await failureOf(() => prisma.adminEvent.deleteMany({}));
    expect(appendOnly).toMatchObject({
      code: 'P2039',
      meta: { driverAdapterError: { cause: { kind: 'postgres', code: 'P0001' } } },
      message: expect.stringMatching(/AdminEvent is append-only/),
    });
    for (const error of [notFound, appendOnly, new Error('boom'), 'P2002', null, undefined, { code: 'P2002' }]) {
      expect(isUniqueViolation(error)).toBe(false);
      expect(isForeignKeyViolation(error)).toBe(false);
    }
  });
});
