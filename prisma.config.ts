// Prisma CLI configuration. The URL falls back to a harmless value so `prisma generate`
// works without a database (env("DATABASE_URL") would make even generate fail when unset).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/switchyard' },
});
