// The driver adapter the wasm schema engine talks to Postgres through: @prisma/adapter-pg with
// three defects of 7.10.0 worked around (see docs/database.md). Pinned: adapter-pg is used
// exactly at 7.10.0 because the first workaround relies on how it reads result fields.
//
// 1. Postgres' internal "char" type (OID 18, e.g. pg_constraint.contype) has no column-type
//    mapping, so introspection fails with "Column type 'char' could not be deserialized". A
//    pg.Client subclass hands such columns over as text with a marked name; the adapter wrapper
//    removes the mark and re-types them as ColumnTypeEnum.Character.
// 2. connectToShadowDb() spreads `{ connectionString }` with `{ database }` and the connection
//    string wins, so the "shadow" replay would run on the real database. We create the shadow
//    database ourselves and point a fresh pool at it by rewriting the URL's path.
// 3. Its shadow dispose drops the database before closing the pool (the drop then fails because
//    of the open sessions): we close the pool first, then DROP DATABASE … WITH (FORCE).
// And: adapter-pg's executeScript() splits scripts on every ';', which breaks any function body
// (e.g. the append-only trigger). We send the whole script in one simple-protocol query instead.
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  ColumnTypeEnum,
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { withDatabase } from '@switchyard/db';

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;
/** Appended to the name of a "char" column between the pg client and the adapter wrapper. */
const CHAR_MARK = '\u0000pg_char';

interface ResultField {
  name: string;
  dataTypeID: number;
}

function markCharColumns<T>(result: T): T {
  const results: unknown[] = Array.isArray(result) ? result : [result];
  for (const r of results) {
    const fields = (r as { fields?: ResultField[] } | null)?.fields;
    if (!Array.isArray(fields)) continue;
    for (const field of fields) {
      if (field.dataTypeID === PG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        field.name += CHAR_MARK;
      }
    }
  }
  return result;
}

/**
 * A pg.Client whose query results report "char" columns as marked text columns. Used through the
 * Pool's documented `Client` option, so it covers pool queries and transaction clients alike.
 */
class CharAwareClient extends pg.Client {}
const baseQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
// pg.Client#query has a dozen overloads (callback, promise, submittable); patching the prototype
// of our subclass keeps all of them working without restating them.
(CharAwareClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function query(
  this: pg.Client,
  ...args: unknown[]
): unknown {
  const last = args.at(-1);
  if (typeof last === 'function') {
    const callback = last as (error: unknown, result: unknown) => void;
    args[args.length - 1] = (error: unknown, result: unknown) =>
      callback(error, error ? result : markCharColumns(result));
    return baseQuery.apply(this, args);
  }
  const returned = baseQuery.apply(this, args);
  return returned instanceof Promise ? returned.then(markCharColumns) : returned;
};

function retypeCharColumns(result: SqlResultSet): SqlResultSet {
  if (!result.columnNames.some((name) => name.endsWith(CHAR_MARK))) return result;
  const columnTypes = [...result.columnTypes];
  const columnNames = result.columnNames.map((name, i) => {
    if (!name.endsWith(CHAR_MARK)) return name;
    columnTypes[i] = ColumnTypeEnum.Character;
    return name.slice(0, -CHAR_MARK.length);
  });
  return { ...result, columnNames, columnTypes };
}

/** The same shape adapter-pg gives a Postgres error, so the engine reports it properly. */
function toAdapterError(error: unknown): unknown {
  if (error instanceof pg.DatabaseError) {
    return new DriverAdapterError({
      kind: 'postgres',
      code: error.code ?? 'unknown',
      severity: error.severity ?? 'ERROR',
      message: error.message,
      detail: error.detail,
      column: error.column,
      hint: error.hint,
    });
  }
  return error;
}

type PgAdapter = Awaited<ReturnType<PrismaPg['connect']>>;

function wrapTransaction(tx: Transaction): Transaction {
  const wrapped: Transaction = {
    provider: tx.provider,
    adapterName: tx.adapterName,
    options: tx.options,
    queryRaw: async (query: SqlQuery) => retypeCharColumns(await tx.queryRaw(query)),
    executeRaw: (query: SqlQuery) => tx.executeRaw(query),
    commit: () => tx.commit(),
    rollback: () => tx.rollback(),
  };
  if (tx.createSavepoint) wrapped.createSavepoint = tx.createSavepoint.bind(tx);
  if (tx.rollbackToSavepoint) wrapped.rollbackToSavepoint = tx.rollbackToSavepoint.bind(tx);
  if (tx.releaseSavepoint) wrapped.releaseSavepoint = tx.releaseSavepoint.bind(tx);
  return wrapped;
}

function wrapAdapter(inner: PgAdapter, dispose: () => Promise<void>): SqlDriverAdapter {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: async (query: SqlQuery) => retypeCharColumns(await inner.queryRaw(query)),
    executeRaw: (query: SqlQuery) => inner.executeRaw(query),
    executeScript: async (script: string) => {
      try {
        await inner.underlyingDriver().query(script);
      } catch (error) {
        throw toAdapterError(error);
      }
    },
    startTransaction: async (isolationLevel?: IsolationLevel) =>
      wrapTransaction(await inner.startTransaction(isolationLevel)),
    getConnectionInfo: () => inner.getConnectionInfo(),
    dispose,
  };
}

export const SHADOW_DATABASE_PREFIX = 'switchyard_shadow_';

/**
 * Adapter factory for the schema engine. `adminUrl` must reach a role with CREATEDB: the main
 * connection goes there and shadow databases are created next to it. `close()` disposes anything
 * the engine left open (it does not always dispose what it connected).
 */
export class EngineAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = '@prisma/adapter-pg';
  private readonly open = new Set<() => Promise<void>>();

  constructor(private readonly adminUrl: string) {}

  async connect(): Promise<SqlDriverAdapter> {
    return this.adapterFor(this.adminUrl, async () => undefined);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    // The pid tells whose a leftover is (and lets a test find only its own).
    const database = `${SHADOW_DATABASE_PREFIX}${process.pid}_${randomUUID().replaceAll('-', '')}`;
    await this.adminQuery(`CREATE DATABASE "${database}"`);
    return this.adapterFor(withDatabase(this.adminUrl, database), () =>
      this.adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
    );
  }

  async close(): Promise<void> {
    for (const dispose of [...this.open]) await dispose();
  }

  private async adapterFor(url: string, afterClose: () => Promise<void>): Promise<SqlDriverAdapter> {
    const config: pg.PoolConfig = { connectionString: url, Client: CharAwareClient };
    const inner = await new PrismaPg(config).connect();
    let disposed = false;
    const dispose = async (): Promise<void> => {
      if (disposed) return;
      disposed = true;
      this.open.delete(dispose);
      await inner.dispose(); // closes the pool: must happen before a shadow database is dropped
      await afterClose();
    };
    this.open.add(dispose);
    return wrapAdapter(inner, dispose);
  }

  private async adminQuery(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}
