// Recognising constraint violations in one place, so the app maps them to CONFLICT without
// knowing how Prisma 7 + adapter-pg dress them. Verified shapes (see errors.spec.ts):
//
//   PrismaClientKnownRequestError {
//     code: 'P2002' (unique) | 'P2003' (foreign key) | 'P2010' (raw query),
//     meta: { modelName?, driverAdapterError: DriverAdapterError {
//       name: 'DriverAdapterError',
//       cause: { kind: 'UniqueConstraintViolation' | 'ForeignKeyConstraintViolation'
//                      | 'RestrictViolation', originalCode: '23505' | '23503' | '23001',
//                originalMessage, constraint?: { index } | { fields }, table? } } } }
//
// Prisma 7 no longer fills `meta.target`; the constraint name is only in the adapter error.
// Deleting a row still referenced through an onDelete: Restrict relation is P2003 with kind
// RestrictViolation (SQLSTATE 23001), not 23503. Raw queries ($executeRaw) fail with P2010 and
// carry the same adapter error. Plain node-postgres errors (SQLSTATE in `code`) count as well.

interface ViolationSpec {
  prismaCodes: readonly string[];
  adapterKinds: readonly string[];
  sqlStates: readonly string[];
}

const UNIQUE: ViolationSpec = {
  prismaCodes: ['P2002'],
  adapterKinds: ['UniqueConstraintViolation'],
  sqlStates: ['23505'],
};

const FOREIGN_KEY: ViolationSpec = {
  prismaCodes: ['P2003'],
  adapterKinds: ['ForeignKeyConstraintViolation', 'RestrictViolation'],
  sqlStates: ['23503', '23001'],
};

type Fields = Record<string, unknown>;

function asObject(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null ? (value as Fields) : undefined;
}

/** The adapter's mapped error payload (`{ kind, originalCode, constraint, … }`), if any. */
function adapterPayload(err: unknown, depth = 0): Fields | undefined {
  const e = asObject(err);
  if (!e || depth > 4) return undefined;
  if (e['name'] === 'PrismaClientKnownRequestError') {
    return adapterPayload(asObject(e['meta'])?.['driverAdapterError'], depth + 1);
  }
  if (e['name'] === 'DriverAdapterError') return asObject(e['cause']);
  if (typeof e['kind'] === 'string') return e;
  return adapterPayload(e['cause'], depth + 1);
}

function matches(err: unknown, spec: ViolationSpec, depth = 0): boolean {
  const e = asObject(err);
  if (!e || depth > 4) return false;
  if (e['name'] === 'PrismaClientKnownRequestError' && typeof e['code'] === 'string') {
    if (spec.prismaCodes.includes(e['code'])) return true;
  }
  const payload = adapterPayload(e);
  if (payload) {
    const { kind, originalCode, code } = payload;
    if (typeof kind === 'string' && spec.adapterKinds.includes(kind)) return true;
    if (typeof originalCode === 'string' && spec.sqlStates.includes(originalCode)) return true;
    if (kind === 'postgres' && typeof code === 'string' && spec.sqlStates.includes(code)) return true;
    return false;
  }
  // node-postgres DatabaseError: SQLSTATE in `code`, always with a `severity`.
  if (typeof e['code'] === 'string' && typeof e['severity'] === 'string') {
    return spec.sqlStates.includes(e['code']);
  }
  return matches(e['cause'], spec, depth + 1);
}

/** A unique constraint was violated (Prisma P2002, raw-query 23505, or a pg 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return matches(err, UNIQUE);
}

/**
 * A foreign key was violated: a missing referenced row (P2003 / 23503) or a delete of a row
 * still referenced through an onDelete: Restrict relation (P2003 / 23001).
 */
export function isForeignKeyViolation(err: unknown): boolean {
  return matches(err, FOREIGN_KEY);
}

/**
 * Name of the violated constraint (e.g. `Nodepool_name_key`) or its fields joined by ',', when
 * the error says; for messages like "a nodepool with this name already exists".
 */
export function violatedConstraint(err: unknown): string | undefined {
  const constraint = asObject(adapterPayload(err)?.['constraint']);
  if (typeof constraint?.['index'] === 'string') return constraint['index'];
  if (Array.isArray(constraint?.['fields'])) return constraint['fields'].join(',');
  const pgConstraint = asObject(err)?.['constraint'];
  return typeof pgConstraint === 'string' ? pgConstraint : undefined;
}
