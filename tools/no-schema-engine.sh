#!/bin/sh
# Stand-in for Prisma's native schema-engine, which cannot be downloaded in this environment.
# generate/validate/format never run it. Migrations are applied by libs/db's migrator and authored
# or drift-checked by libs/devstack/src/migrations (see docs/database.md).
echo "switchyard: Prisma's native schema engine is not used here; run 'npm run db:migrate' (libs/db migrator) or 'npm run db:migration:create' instead." >&2
exit 1
