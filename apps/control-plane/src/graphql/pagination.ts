import { ArgsType, Field, Int, ObjectType } from '@nestjs/graphql';
import type { Type } from '@nestjs/common';
import { IsOptional, IsString, Max, Min } from 'class-validator';
import { DomainError } from '@switchyard/protocol';

@ObjectType({ description: 'Where a page ends and whether another follows.' })
export class PageInfo {
  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor!: string | null;

  @Field()
  hasNextPage!: boolean;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 20, description: 'Page size, 1 to 100.' })
  @Min(1)
  @Max(100)
  first: number = 20;

  @Field(() => String, { nullable: true, description: 'Cursor from a previous page (pageInfo.endCursor).' })
  @IsOptional()
  @IsString()
  after?: string;
}

export interface Page<T> {
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

export interface PageClass<T> {
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** A cursor-paginated list type, `<Name>Connection`. */
export function Connection<T>(node: Type<T>, name: string): Type<PageClass<T>> {
  @ObjectType(`${name}Connection`)
  class ConnectionType implements PageClass<T> {
    @Field(() => [node])
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'Items matching the filter, over all pages.' })
    totalCount!: number;
  }
  return ConnectionType;
}

const CURSOR_VERSION = 'v1';

export function encodeCursor(id: string): string {
  return Buffer.from(`${CURSOR_VERSION}:${id}`, 'utf8').toString('base64url');
}

/** Cursors are opaque to clients; ids are UUIDv7, so id order is creation order. */
export function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const [version, id] = decoded.split(':', 2);
  if (version !== CURSOR_VERSION || !id || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw DomainError.badInput([{ path: 'after', message: 'is not a cursor returned by this API' }]);
  }
  return id;
}

/**
 * Runs a keyset page query: fetch one more row than asked to know whether a next page exists.
 * `fetchAfter` must order by id ascending and return at most `take` rows after `afterId`.
 */
export async function paginate<T extends { id: string }>(
  args: PageArgs,
  fetchAfter: (take: number, afterId: string | undefined) => Promise<T[]>,
  count: () => Promise<number>,
): Promise<Page<T>> {
  const afterId = args.after ? decodeCursor(args.after) : undefined;
  const [rows, totalCount] = await Promise.all([fetchAfter(args.first + 1, afterId), count()]);
  const hasNextPage = rows.length > args.first;
  const nodes = hasNextPage ? rows.slice(0, args.first) : rows;
  const last = nodes.at(-1);
  return { nodes, totalCount, pageInfo: { hasNextPage, endCursor: last ? encodeCursor(last.id) : null } };
}

/** What a keyset page needs from a Prisma model delegate (prisma.nodepool, prisma.apiKey, …). */
export interface PageableDelegate<Row, Where> {
  findMany(args: { where: Where; take: number; orderBy: { id: 'asc' | 'desc' } }): Promise<Row[]>;
  count(args: { where: Where }): Promise<number>;
}

/**
 * One page of a model ordered by id (UUIDv7, so roughly creation order), filtered by `where`.
 * `newestFirst` walks ids downwards (the audit log). Repositories call this so that no one
 * writes the after-cursor condition by hand again.
 */
export function keysetPage<Row extends { id: string }, Where extends object>(
  delegate: PageableDelegate<Row, Where>,
  where: Where,
  args: PageArgs,
  newestFirst = false,
): Promise<Page<Row>> {
  return paginate(
    args,
    (take, afterId) =>
      delegate.findMany({
        where: afterId ? { AND: [where, { id: newestFirst ? { lt: afterId } : { gt: afterId } }] } as Where : where,
        take,
        orderBy: { id: newestFirst ? 'desc' : 'asc' },
      }),
    () => delegate.count({ where }),
  );
}
