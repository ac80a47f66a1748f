-- Stored FaceSign sessions in a table partitioned by month of created_at, for deployments
-- that keep years of sessions and drop whole months when their retention period ends.
-- Apply after `CREATE EXTENSION facesign;`, on a database without a sessions table, from
-- the checkout's root or with psql's -f (the file includes sessions_table.sql beside it):
--
--   psql -f sql/sessions_partitioned.sql
--
-- Then, daily (cron, pg_cron, or pg_partman's background worker where it manages the table):
--
--   SELECT * FROM sessions_maintain(ahead => 3, keep => interval '24 months');
--
-- The columns are those of sql/sessions_table.sql (tests/sql/partitioned.sql checks it),
-- with two differences a partitioned table requires:
--   * created_at is NOT NULL: it is the partition key. A session without createdAt cannot be
--     stored here (FaceSign sets it when the session is created; only hand-made documents
--     lack it); upsert_session and the loader refuse it with SQLSTATE 23502.
--   * the primary key is (id, created_at): a unique index on a partitioned table must hold
--     the partition key. A session's createdAt never changes, so every fetch of a session has
--     the same key and upsert_session (which looks sessions up by id) finds it; two rows with
--     one id can only come from writes that bypass it with a different created_at.
--
-- Month boundaries are in UTC whatever the server's TimeZone. Months are made by the
-- project's own SQL below; where pg_partman 4.x is installed and `SET facesign.partman = on`
-- is given before this file, pg_partman manages them instead (create_parent, premake,
-- retention through partman.part_config), with the same partition names and boundaries when
-- the server runs in UTC, as pg_partman recommends.

CREATE TABLE IF NOT EXISTS sessions (
    session             jsonb NOT NULL,
    id                  text NOT NULL,
    status              text,
    created_at          timestamptz NOT NULL,
    client_reference_id text,
    updated_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    risk_score          int,
    risk_level          text,
    CONSTRAINT sessions_pkey PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

-- The month [lo, hi) of a time, in UTC, and its partition's name (pg_partman's: sessions_p2026_12).
CREATE OR REPLACE FUNCTION sessions_month_of(at timestamptz, OUT lo timestamptz, OUT hi timestamptz,
                                             OUT partition_name text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT m AT TIME ZONE 'UTC', (m + interval '1 month') AT TIME ZONE 'UTC', 'sessions_p' || to_char(m, 'YYYY_MM')
    FROM (SELECT date_trunc('month', at AT TIME ZONE 'UTC') AS m) AS month
$$;

-- Creates the monthly partition holding `at` when it is missing. Sessions of that month that
-- were stored in sessions_default (a month with no partition yet) move into it, keeping their
-- updated_at: they did not change. Returns the partition's name, or NULL when it existed.
CREATE OR REPLACE FUNCTION sessions_create_month(at timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    month record := sessions_month_of(at);
BEGIN
    IF to_regclass(month.partition_name) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE sessions INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMPRESSION)',
                   month.partition_name);
    IF to_regclass('sessions_default') IS NOT NULL THEN
        EXECUTE format('WITH moved AS (DELETE FROM sessions_default WHERE created_at >= $1 AND created_at < $2 RETURNING *)
                        INSERT INTO %I SELECT * FROM moved', month.partition_name)
            USING month.lo, month.hi;
    END IF;
    EXECUTE format('ALTER TABLE sessions ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   month.partition_name, month.lo, month.hi);
    RETURN month.partition_name;
END $$;

-- Creates this month's partition and the next `ahead` months' when missing, and drops the
-- months that ended more than `keep` before `as_of` (none when keep is NULL). pg_partman, where
-- it manages the table, does both in partman.run_maintenance with its own configuration; this
-- then sets its premake and retention and calls it. Returns what it did, a row per partition.
CREATE OR REPLACE FUNCTION sessions_maintain(ahead int DEFAULT 3, keep interval DEFAULT NULL,
                                             as_of timestamptz DEFAULT now())
RETURNS TABLE (action text, partition_name text) LANGUAGE plpgsql AS $$
DECLARE
    made text;
    oldest_kept timestamptz;
    old record;
    partman_schema name := (SELECT n.nspname FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace
                            WHERE e.extname = 'pg_partman');
    managed boolean := false;
    -- pg_partman names tables schema-qualified, unquoted.
    parent text := (SELECT n.nspname || '.' || c.relname FROM pg_class AS c
                    JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE c.oid = 'sessions'::regclass);
BEGIN
    IF ahead < 0 THEN
        RAISE EXCEPTION 'ahead must be 0 or more months, not %', ahead USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF partman_schema IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT FROM %I.part_config WHERE parent_table = $1)', partman_schema)
            INTO managed USING parent;
    END IF;
    IF managed THEN
        IF as_of <> now() THEN
            RAISE EXCEPTION 'pg_partman maintains sessions as of now(); as_of is for the project''s own partitions'
                USING ERRCODE = 'feature_not_supported';
        END IF;
        EXECUTE format('UPDATE %I.part_config SET premake = $1, retention = $2, retention_keep_table = false
                        WHERE parent_table = $3', partman_schema)
            USING greatest(ahead, 1), keep::text, parent;
        CREATE TEMP TABLE IF NOT EXISTS sessions_maintain_before (name text) ON COMMIT DROP;
        INSERT INTO sessions_maintain_before
            SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'sessions'::regclass;
        EXECUTE format('SELECT %I.run_maintenance($1)', partman_schema) USING parent;
        RETURN QUERY
            SELECT 'created', c.relname::text FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'sessions'::regclass AND c.relname NOT IN (SELECT name FROM sessions_maintain_before)
            UNION ALL
            SELECT 'dropped', b.name FROM sessions_maintain_before AS b
            WHERE b.name NOT IN (SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
                                 WHERE i.inhparent = 'sessions'::regclass)
            ORDER BY 1, 2;
        IF keep IS NOT NULL AND EXISTS (
               SELECT FROM sessions_maintain_before AS b
               WHERE b.name NOT IN (SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
                                    WHERE i.inhparent = 'sessions'::regclass)) THEN
            -- What a dropped month held is erased: a session of it sent again is stored redacted.
            INSERT INTO erasures (created_before, reason)
            VALUES ((sessions_month_of(now() - keep)).lo, 'retention: months dropped');
        END IF;
        DROP TABLE sessions_maintain_before;
        RETURN;
    END IF;
    FOR month IN 0..ahead LOOP
        made := sessions_create_month(as_of + make_interval(months => month));
        IF made IS NOT NULL THEN
            action := 'created'; partition_name := made; RETURN NEXT;
        END IF;
    END LOOP;
    IF keep IS NOT NULL THEN
        -- A month is dropped when all of it is older than as_of - keep.
        oldest_kept := (sessions_month_of(as_of - keep)).lo;
        FOR old IN
            SELECT c.relname AS name
            FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'sessions'::regclass AND c.relname ~ '^sessions_p[0-9]{4}_[0-9]{2}$'
              AND (to_date(substr(c.relname, 11), 'YYYY_MM') + interval '1 month') AT TIME ZONE 'UTC' <= oldest_kept
            ORDER BY c.relname
        LOOP
            EXECUTE format('DROP TABLE %I', old.name);
            action := 'dropped'; partition_name := old.name; RETURN NEXT;
        END LOOP;
        IF FOUND THEN   -- the loop dropped a month
            -- What a dropped month held is erased: a session of it sent again is stored redacted.
            INSERT INTO erasures (created_before, reason) VALUES (oldest_kept, 'retention: months dropped');
        END IF;
    END IF;
END $$;

-- Make the table's months: with pg_partman when asked and installed, else the project's own.
DO $$
DECLARE
    use_partman boolean := coalesce(current_setting('facesign.partman', true), 'off') = 'on';
    partman_schema name;
BEGIN
    IF EXISTS (SELECT FROM pg_inherits WHERE inhparent = 'sessions'::regclass) THEN
        RETURN;   -- applied before: the months exist and sessions_maintain keeps them
    END IF;
    IF use_partman THEN
        IF NOT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_partman') THEN
            RAISE EXCEPTION 'facesign.partman is on but pg_partman is not installed on this server'
                USING ERRCODE = 'undefined_object',
                      HINT = 'Install it (Debian: apt install postgresql-15-partman), or apply this file without SET facesign.partman = on: the project''s own SQL makes the months then.';
        END IF;
        CREATE SCHEMA IF NOT EXISTS partman;
        CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;
        SELECT n.nspname INTO partman_schema FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_partman';
        EXECUTE format('SELECT %I.create_parent(p_parent_table => $1, p_control => $2, p_type => $3,
                                                p_interval => $4, p_premake => $5)', partman_schema)
            USING (SELECT n.nspname || '.sessions' FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
                   WHERE c.oid = 'sessions'::regclass), 'created_at', 'native', 'monthly', 3;
    ELSE
        CREATE TABLE sessions_default PARTITION OF sessions DEFAULT;
        PERFORM sessions_maintain(ahead => 3);
    END IF;
END $$;

-- Constraints, triggers, upsert_session and indexes: the same file as the single table.
\ir sessions_table.sql
