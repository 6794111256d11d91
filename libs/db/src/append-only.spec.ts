import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { createPrismaClient } from './client.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

jest.setTimeout(60_000);

describe('append-only audit tables', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let sql: pg.Client;
  let adminEventId: string;
  let rolloutEventId: string;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: true });
    prisma = createPrismaClient(db.url);
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();

    adminEventId = (
      await prisma.adminEvent.create({
        data: { actorName: 'test', action: 'server.create', targetType: 'McpServer', targetId: 'x' },
      })
    ).id;
    const weather = await prisma.mcpServer.create({ data: { name: 'weather' } });
    const [v1, v2] = await Promise.all(
      ['1.0.0', '2.0.0'].map((version) =>
        prisma.mcpServerVersion.create({ data: { serverId: weather.id, version, transport: 'STDIO' } }),
      ),
    );
    const rollout = await prisma.rollout.create({
      data: { serverId: weather.id, championVersionId: v1!.id, challengerVersionId: v2!.id },
    });
    rolloutEventId = (
      await prisma.rolloutEvent.create({
        data: { rolloutId: rollout.id, kind: 'started', reason: 'test', actorType: 'USER', toPhase: 'PILOT' },
      })
    ).id;
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await sql?.end();
    await db?.drop();
  });

  it.each([
    ['AdminEvent', () => adminEventId],
    ['RolloutEvent', () => rolloutEventId],
  ])('%s refuses UPDATE, DELETE and TRUNCATE in the database itself', async (table, id) => {
    const refused = new RegExp(`${table} is append-only`);
    await expect(sql.query(`UPDATE "${table}" SET "at" = now() WHERE id = $1`, [id()])).rejects.toThrow(refused);
    await expect(sql.query(`DELETE FROM "${table}" WHERE id = $1`, [id()])).rejects.toThrow(refused);
    await expect(sql.query(`TRUNCATE "${table}" CASCADE`)).rejects.toThrow(refused);
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM "${table}" WHERE id = $1`, [id()]);
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('refuses changes made through Prisma too, with the message in the error', async () => {
    await expect(
      prisma.adminEvent.update({ where: { id: adminEventId }, data: { action: 'rewritten' } }),
    ).rejects.toThrow(/AdminEvent is append-only: UPDATE is not allowed/);
    await expect(prisma.adminEvent.deleteMany({})).rejects.toThrow(/AdminEvent is append-only: DELETE is not allowed/);
    await expect(prisma.rolloutEvent.delete({ where: { id: rolloutEventId } })).rejects.toThrow(
      /RolloutEvent is append-only: DELETE is not allowed/,
    );
    expect((await prisma.adminEvent.findUniqueOrThrow({ where: { id: adminEventId } })).action).toBe('server.create');
  });

  it('still accepts new rows', async () => {
    await prisma.adminEvent.create({ data: { actorName: 'test', action: 'key.revoke', targetType: 'ApiKey' } });
    expect(await prisma.adminEvent.count()).toBeGreaterThanOrEqual(2);
  });

  it('leaves the other tables alone', async () => {
    const mutable = await prisma.mcpServer.create({ data: { name: 'mutable' } });
    await prisma.mcpServer.update({ where: { id: mutable.id }, data: { description: 'changed' } });
    await prisma.mcpServer.delete({ where: { id: mutable.id } });
    expect(await prisma.mcpServer.findUnique({ where: { id: mutable.id } })).toBeNull();
  });
});
