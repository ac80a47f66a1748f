-- Stored FaceSign sessions sharded across PostgreSQL servers with postgres_fdw: on the
-- coordinator, a sessions table hash-partitioned by client_reference_id (a user's sessions
-- stay on one shard, so per-user queries such as impossible travel run on one server),
-- each partition a foreign table: the sessions table of one shard.
--
-- Each shard: CREATE EXTENSION facesign; then sql/sessions_table.sql (or, to partition each
-- shard by month too, sql/sessions_partitioned.sql) and sql/session_readings.sql.
--
-- The coordinator, once per shard, as its owner:
--
--   CREATE EXTENSION IF NOT EXISTS facesign;
--   CREATE EXTENSION IF NOT EXISTS postgres_fdw;
--   CREATE SERVER shard_a FOREIGN DATA WRAPPER postgres_fdw OPTIONS (
--       host 'shard-a.internal', port '5432', dbname 'facesign',
--       extensions 'facesign',      -- facesign's IMMUTABLE functions are shipped to the shard
--       async_capable 'true',       -- the shards scan at the same time
--       fetch_size '1000', batch_size '100');
--   CREATE USER MAPPING FOR CURRENT_USER SERVER shard_a OPTIONS (user 'facesign', password '…');
--
-- then, naming the servers in order (the order is the hash partitions' remainders: keep it):
--
--   SET facesign.shards = 'shard_a,shard_b';
--   \i sql/sessions_sharded.sql
--
-- What runs where: a query's WHERE clauses, joins within one shard, ORDER BY, LIMIT and
-- aggregates grouped by client_reference_id go to the shards with the facesign calls in
-- them (EXPLAIN (VERBOSE) shows each shard's Remote SQL); a set-returning facesign call in
-- FROM and a field of a composite result do not, and are computed on the coordinator from
-- the fetched documents. The tables session_risk_signals, session_node_outcomes and
-- session_transcript made here read the shards' views of the same names, so there the
-- reading runs on the shards. upsert_session and facesign-analytics load work through the
-- coordinator; the shards' own constraints and triggers check each row.

DO $$
DECLARE
    shards text[] := string_to_array(nullif(current_setting('facesign.shards', true), ''), ',');
    remote_schema text := coalesce(nullif(current_setting('facesign.shard_schema', true), ''), 'public');
    server text;
    target text;
    partition_columns text := 'session_id text, client_reference_id text, session_created_at timestamptz, status text, ';
    reading record;
BEGIN
    IF to_regclass('sessions') IS NOT NULL THEN
        RETURN;   -- applied before
    END IF;
    IF shards IS NULL THEN
        RAISE EXCEPTION 'no shards named'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Create a postgres_fdw server per shard, then SET facesign.shards = ''shard_a,shard_b'' '
                         '(their names, in order) before applying this file; its header shows the statements.';
    END IF;
    FOREACH server IN ARRAY shards LOOP
        IF NOT EXISTS (SELECT FROM pg_foreign_server AS s JOIN pg_foreign_data_wrapper AS w ON w.oid = s.srvfdw
                       WHERE s.srvname = server AND w.fdwname = 'postgres_fdw') THEN
            RAISE EXCEPTION 'there is no postgres_fdw server named %', server
                USING ERRCODE = 'undefined_object',
                      HINT = 'CREATE SERVER ' || server || ' FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host …, '
                             'dbname …, extensions ''facesign'', async_capable ''true''), and a USER MAPPING for it.';
        END IF;
        IF NOT EXISTS (SELECT FROM pg_foreign_server AS s, unnest(s.srvoptions) AS o
                       WHERE s.srvname = server AND o ~ '^extensions=(.*,)?\s*facesign\s*(,.*)?$') THEN
            RAISE EXCEPTION 'the server % does not declare the facesign extension', server
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'ALTER SERVER ' || server || ' OPTIONS (ADD extensions ''facesign''): without it no '
                             'facesign call is sent to the shard, and every document is fetched to the coordinator.';
        END IF;
    END LOOP;

    -- The columns of sql/sessions_table.sql; no primary key here: each shard's holds.
    CREATE TABLE sessions (
        session             jsonb NOT NULL,
        id                  text NOT NULL,
        status              text,
        created_at          timestamptz,
        client_reference_id text,
        updated_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
        risk_score          int,
        risk_level          text
    ) PARTITION BY HASH (client_reference_id);

    -- The readings' tables: the view's key columns, then the reader's own columns, as the
    -- extension declares them.
    FOR reading IN
        SELECT 'session_risk_signals' AS name,
               (SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attnum)
                FROM pg_attribute WHERE attrelid = 'facesign.risk_signals'::regclass AND attnum > 0) AS columns
        UNION ALL
        SELECT 'session_' || p.proname, substring(pg_get_function_result(p.oid) FROM '^TABLE\((.*)\)$')
        FROM pg_proc AS p WHERE p.oid IN ('facesign.node_outcomes(jsonb)'::regprocedure, 'facesign.transcript(jsonb)'::regprocedure)
    LOOP
        EXECUTE format('CREATE TABLE %I (%s%s) PARTITION BY HASH (client_reference_id)',
                       reading.name, partition_columns, reading.columns);
    END LOOP;

    FOR i IN 1 .. cardinality(shards) LOOP
        FOREACH target IN ARRAY ARRAY['sessions', 'session_risk_signals', 'session_node_outcomes', 'session_transcript'] LOOP
            EXECUTE format('CREATE FOREIGN TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS %s, REMAINDER %s) '
                           'SERVER %I OPTIONS (schema_name %L, table_name %L)',
                           target || '_' || shards[i], target, cardinality(shards), i - 1, shards[i], remote_schema, target);
        END LOOP;
    END LOOP;
END $$;

-- Constraints, triggers, upsert_session and indexes: the same file as the single table
-- (on foreign partitions, PostgreSQL declares the constraints and skips the indexes; the
-- shards enforce and index).
\ir sessions_table.sql
