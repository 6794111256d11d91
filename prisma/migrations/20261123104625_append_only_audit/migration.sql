-- Hand-written: the audit tables are append-only. Rows may be inserted, never changed or removed,
-- not even by the application's own role. Prisma's diff does not see functions or triggers, so
-- this migration is invisible to `npm run db:check` (and must stay hand-written).

-- One trigger function for every append-only table; TG_TABLE_NAME names the table in the error.
CREATE FUNCTION "switchyard_refuse_append_only_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING HINT = 'Audit rows can only be inserted; record a new event instead.';
END;
$$;

-- UPDATE and DELETE are refused per row; TRUNCATE fires no row triggers, so it is refused per statement.
CREATE TRIGGER "AdminEvent_append_only"
  BEFORE UPDATE OR DELETE ON "AdminEvent"
  FOR EACH ROW EXECUTE FUNCTION "switchyard_refuse_append_only_change"();
CREATE TRIGGER "AdminEvent_no_truncate"
  BEFORE TRUNCATE ON "AdminEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION "switchyard_refuse_append_only_change"();

CREATE TRIGGER "RolloutEvent_append_only"
  BEFORE UPDATE OR DELETE ON "RolloutEvent"
  FOR EACH ROW EXECUTE FUNCTION "switchyard_refuse_append_only_change"();
CREATE TRIGGER "RolloutEvent_no_truncate"
  BEFORE TRUNCATE ON "RolloutEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION "switchyard_refuse_append_only_change"();
