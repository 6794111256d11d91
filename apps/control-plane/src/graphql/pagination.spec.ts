import { DomainError } from '@switchyard/protocol';
import { decodeCursor, encodeCursor, keysetPage, paginate, type PageArgs, type PageableDelegate } from './pagination.js';

const ids = Array.from({ length: 5 }, (_, i) => `0190b6a2-0000-7000-8000-00000000000${i}`);
const rows = ids.map((id) => ({ id }));
const fetchAfter = async (take: number, afterId?: string) =>
  rows.filter((r) => afterId === undefined || r.id > afterId).slice(0, take);

describe('paginate', () => {
  it('walks every row exactly once across pages', async () => {
    const seen: string[] = [];
    let args: PageArgs = { first: 2 };
    for (;;) {
      const page = await paginate(args, fetchAfter, async () => rows.length);
      seen.push(...page.nodes.map((n) => n.id));
      expect(page.totalCount).toBe(5);
      if (!page.pageInfo.hasNextPage) break;
      args = { first: 2, after: page.pageInfo.endCursor ?? undefined };
    }
    expect(seen).toEqual(ids);
  });

  it('round-trips cursors and rejects forged ones with a field error', () => {
    expect(decodeCursor(encodeCursor(ids[0]!))).toBe(ids[0]);
    try {
      decodeCursor('not-a-cursor');
      throw new Error('expected a DomainError');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).details.fields).toEqual([{ path: 'after', message: 'is not a cursor returned by this API' }]);
    }
  });
});

describe('keysetPage', () => {
  type Where = { kind?: string; AND?: Array<Record<string, unknown>> };
  const calls: Array<{ where: Where; take: number; orderBy: { id: string } }> = [];
  const delegate: PageableDelegate<{ id: string }, Where> = {
    async findMany(args) {
      calls.push(args);
      return rows.slice(0, args.take);
    },
    async count() {
      return rows.length;
    },
  };

  it('keeps the caller filter and adds the cursor condition beside it', async () => {
    calls.length = 0;
    await keysetPage(delegate, { kind: 'SAAS' }, { first: 2, after: encodeCursor(ids[1]!) });
    expect(calls[0]).toEqual({ where: { AND: [{ kind: 'SAAS' }, { id: { gt: ids[1] } }] }, take: 3, orderBy: { id: 'asc' } });
  });

  it('walks ids downwards when newest first', async () => {
    calls.length = 0;
    await keysetPage(delegate, {}, { first: 2, after: encodeCursor(ids[3]!) }, true);
    expect(calls[0]).toEqual({ where: { AND: [{}, { id: { lt: ids[3] } }] }, take: 3, orderBy: { id: 'desc' } });
    calls.length = 0;
    await keysetPage(delegate, { kind: 'VPC' }, { first: 2 }, true);
    expect(calls[0]!.where).toEqual({ kind: 'VPC' });
  });
});
