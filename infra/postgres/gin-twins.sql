-- GIN twins for FerretDB's indexes. Run in FerretDB's database by `local-servers up`, in
-- single-user mode (statements end with a semicolon and an empty line).
--
-- FerretDB v1 pushes an equality filter {field: x} down to PostgreSQL as
-- (_jsonb -> 'field') @> '"x"', which the btree expression indexes it creates cannot serve,
-- so every lookup was a sequential scan. A GIN index on the same expression serves exactly
-- that operator. These triggers give every btree index FerretDB creates (the unique _id
-- index of each collection included) a GIN twin per key column, and drop the twins with it,
-- so services keep declaring indexes the MongoDB way and get index scans.

CREATE OR REPLACE FUNCTION peerlink_gin_twin_name(index_name text, key_position int)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT left(index_name, 40) || '_gin' || key_position || '_' || left(md5(index_name), 8)
$$;

CREATE OR REPLACE FUNCTION peerlink_add_gin_twins() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  command record;
  created record;
  key_position int;
  expression text;
BEGIN
  FOR command IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index'
  LOOP
    SELECT i.indexrelid, i.indnkeyatts, c.relname AS index_name, n.nspname AS schema_name,
           t.relname AS table_name, am.amname
      INTO created
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_class t ON t.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_am am ON am.oid = c.relam
     WHERE i.indexrelid = command.objid;
    -- The twins themselves are GIN: nothing to do for them.
    CONTINUE WHEN NOT FOUND OR created.amname <> 'btree';
    FOR key_position IN 1 .. created.indnkeyatts LOOP
      expression := pg_get_indexdef(created.indexrelid, key_position, false);
      CONTINUE WHEN expression NOT LIKE '%_jsonb%';
      EXECUTE format(
        'CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin ((%s) jsonb_path_ops) WITH (fastupdate = off)',
        peerlink_gin_twin_name(created.index_name, key_position),
        created.schema_name, created.table_name, expression);
    END LOOP;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION peerlink_drop_gin_twins() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  dropped record;
  key_position int;
BEGIN
  -- Only indexes dropped on their own: a dropped table takes its twins with it.
  FOR dropped IN SELECT schema_name, object_name FROM pg_event_trigger_dropped_objects()
                  WHERE object_type = 'index' AND original
                    AND object_name !~ '_gin[0-9]+_[0-9a-f]{8}$'
  LOOP
    FOR key_position IN 1 .. 32 LOOP
      EXECUTE format('DROP INDEX IF EXISTS %I.%I', dropped.schema_name,
                     peerlink_gin_twin_name(dropped.object_name, key_position));
    END LOOP;
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS peerlink_gin_twins_on_create;

CREATE EVENT TRIGGER peerlink_gin_twins_on_create ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION peerlink_add_gin_twins();

DROP EVENT TRIGGER IF EXISTS peerlink_gin_twins_on_drop;

CREATE EVENT TRIGGER peerlink_gin_twins_on_drop ON sql_drop
  WHEN TAG IN ('DROP INDEX') EXECUTE FUNCTION peerlink_drop_gin_twins();

