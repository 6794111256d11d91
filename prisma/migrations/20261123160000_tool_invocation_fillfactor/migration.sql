-- Every ToolInvocation row is written once (PENDING, before dispatch) and updated once (its
-- outcome). With room left on each page the update is HOT: no new entry in the table's four
-- indexes, none of which covers a column the update sets. Storage parameters are not part of the
-- Prisma schema (db:check ignores them); see docs/database.md.
ALTER TABLE "ToolInvocation" SET (fillfactor = 80);
