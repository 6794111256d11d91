export { createDatabase, createPrismaClient, type Database } from './client.js';
// Everything generated: PrismaClient, the Prisma namespace, the enums and the model types.
export * from './generated/prisma/client.js';
export { isForeignKeyViolation, isUniqueViolation, violatedConstraint } from './errors.js';
export { migrate, markRolledBack, MigrationError, MIGRATION_LOCK_ID } from './migrator.js';
export type { MigrateOptions, MigrateResult } from './migrator.js';
// For the migration authoring tools in libs/devstack, which read the same directory.
export { defaultMigrationsDir, defaultSchemaPath, readMigrations, type MigrationFileEntry } from './paths.js';
export { withDatabase } from './database-url.js';
