-- Stored FaceSign sessions: one row per session, the document as `GET /sessions/{id}`
-- returns it (its `session` object), with the columns people filter on read from it by the
-- extension's readers. Apply after `CREATE EXTENSION facesign;`.
--
-- This file makes a single table, for most users. A table partitioned by month with
-- retention is sql/sessions_partitioned.sql; sharded across servers, sql/sessions_sharded.sql.
-- Both create their table first and then apply this file, which skips the CREATE TABLE and
-- adds the constraints, triggers, functions and indexes, the same for all three.
--
-- The key columns (id, status, created_at, client_reference_id) are plain columns, written
-- from the document by upsert_session and the loader: a partition or distribution key cannot
-- be a generated column. The CHECK session_keys_match_document keeps each equal to what the
-- extension reads from the document, and the trigger sessions_keys_from_document fills them
-- for a plain INSERT or UPDATE of the document, so they can never disagree. Every facesign
-- function is IMMUTABLE, so it can stand in a CHECK and an index expression.

CREATE TABLE IF NOT EXISTS sessions (
    session             jsonb NOT NULL,
    id                  text NOT NULL,
    status              text,
    created_at          timestamptz,
    client_reference_id text,
    -- When this row last changed: incremental exports take what changed since their last run.
    updated_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- facesign.risk_score of the document with the default weights, written by the trigger
    -- below, for a review queue (WHERE risk_level = 'high') that an index serves.
    risk_score          int,
    risk_level          text,
    CONSTRAINT sessions_pkey PRIMARY KEY (id)
);

-- Tables made before the risk columns get them (empty for the rows already stored; see
-- docs/sql.md, "Risk score", to fill them).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'sessions'::regclass AND attname = 'risk_score') THEN
        ALTER TABLE sessions ADD COLUMN risk_score int, ADD COLUMN risk_level text;
    END IF;
END $$;

-- Tables made by earlier versions of this file generated the key columns from the document.
-- DROP EXPRESSION keeps their values and makes them plain columns; it rewrites nothing.
DO $$
DECLARE
    key_column name;
BEGIN
    FOR key_column IN
        SELECT attname FROM pg_attribute
        WHERE attrelid = 'sessions'::regclass AND attgenerated = 's'
          AND attname IN ('id', 'status', 'created_at', 'client_reference_id')
    LOOP
        EXECUTE format('ALTER TABLE sessions ALTER COLUMN %I DROP EXPRESSION', key_column);
    END LOOP;
END $$;

-- The constraints, added when missing (to a table of any of the three layouts, or of an
-- earlier version of this file; on a table holding sessions, adding one reads them all once).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_constraint
                   WHERE conrelid = 'sessions'::regclass AND conname = 'session_keys_match_document') THEN
        ALTER TABLE sessions ADD CONSTRAINT session_keys_match_document CHECK (
            id = (facesign.session_summary(session)).id
            AND status IS NOT DISTINCT FROM (facesign.session_summary(session)).status
            AND created_at IS NOT DISTINCT FROM (facesign.session_summary(session)).created_at
            AND client_reference_id IS NOT DISTINCT FROM (facesign.session_summary(session)).client_reference_id);
    END IF;
    -- A flow in the SDK-head array format must be valid. Sessions stored before it (the
    -- older {nodes, edges} object, or no flow) are history and are kept as they are.
    IF NOT EXISTS (SELECT FROM pg_constraint
                   WHERE conrelid = 'sessions'::regclass AND conname = 'session_flow_is_valid') THEN
        ALTER TABLE sessions ADD CONSTRAINT session_flow_is_valid CHECK (
            jsonb_typeof(session -> 'settings' -> 'flow') IS DISTINCT FROM 'array'
            OR facesign.flow_is_valid(session -> 'settings' -> 'flow'));
    END IF;
END $$;

-- Compress the documents with lz4 rather than PostgreSQL's default pglz: nearly every query
-- here decompresses each document it reads, and lz4 does it several times faster
-- (bench/report_readers.sh, 50 000 twelve-kilobyte sessions: reading them all takes 685 ms
-- with pglz, 278 ms with lz4, and node_outcomes over them 826 ms and 431 ms) for about 12%
-- more disk. Only on a table that is still empty, and only where the column has the default
-- method, so applying this file again never changes a table in use or a choice made on
-- purpose; and only where the server is built with lz4 (PGDG's and Debian's packages are).
DO $$
BEGIN
    IF (SELECT attcompression = '' FROM pg_attribute
        WHERE attrelid = 'sessions'::regclass AND attname = 'session')
       AND NOT EXISTS (SELECT FROM sessions)
       -- A sharded table's partitions are foreign tables: each shard compresses its own.
       AND NOT EXISTS (SELECT FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
                       WHERE i.inhparent = 'sessions'::regclass AND c.relkind = 'f') THEN
        ALTER TABLE sessions ALTER COLUMN session SET COMPRESSION lz4;
    END IF;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this server is built without lz4: sessions are compressed with pglz';
END $$;

-- A plain INSERT or UPDATE of the document (psql, an application's own SQL) gets its key
-- columns from it. upsert_session and the loader write them themselves: a partitioned table
-- routes a row by created_at before any trigger runs, so there they must be given. Every
-- write gets its risk columns here: the score is the document's, not something a writer
-- could set to anything else.
CREATE OR REPLACE FUNCTION sessions_keys_from_document() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keys facesign.session_summary := facesign.session_summary(NEW.session);
    risk facesign.risk_score := facesign.risk_score(NEW.session);
BEGIN
    -- A partitioned table has routed the row by the created_at it was given: a different
    -- one from the document would belong in another partition.
    IF NEW.created_at IS DISTINCT FROM keys.created_at
       AND (SELECT relispartition FROM pg_class WHERE oid = TG_RELID) THEN
        RAISE EXCEPTION 'a session stored in the partitioned table sessions needs its created_at given, equal to the document''s createdAt (%, given %)',
                coalesce(keys.created_at::text, 'none'), coalesce(NEW.created_at::text, 'none')
            USING ERRCODE = CASE WHEN keys.created_at IS NULL THEN 'not_null_violation' ELSE 'check_violation' END,
                  HINT = 'Store sessions with upsert_session(session) or facesign-analytics load, which write the key '
                         'columns from the document; a session without createdAt cannot be stored in a table '
                         'partitioned by it.';
    END IF;
    NEW.id := keys.id;
    NEW.status := keys.status;
    NEW.created_at := keys.created_at;
    NEW.client_reference_id := keys.client_reference_id;
    NEW.risk_score := risk.score;
    NEW.risk_level := risk.level;
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER sessions_keys_from_document BEFORE INSERT OR UPDATE OF session ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_keys_from_document();

CREATE OR REPLACE FUNCTION sessions_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER sessions_touch BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_touch();

-- A session's status never moves backwards (created < inProgress < complete or incomplete;
-- see facesign.merge_session for the whole order). Fetches overtake each other, so an
-- UPDATE that stores an older fetch over a newer one is refused: the check asks
-- merge_session which status the two documents combine to, so the order lives in one place.
CREATE OR REPLACE FUNCTION sessions_status_never_backwards() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was text := (facesign.session_summary(OLD.session)).status;
    becomes text := (facesign.session_summary(NEW.session)).status;
BEGIN
    IF (facesign.session_summary(NEW.session)).id IS NOT DISTINCT FROM OLD.id
       AND (facesign.session_summary(facesign.merge_session(OLD.session, NEW.session))).status
           IS DISTINCT FROM becomes THEN
        RAISE EXCEPTION 'session % cannot move backwards from status % to %',
                OLD.id, coalesce(was, 'NULL'), coalesce(becomes, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'Store a newer fetch with upsert_session(incoming), or SET session = '
                         'facesign.merge_session(session, incoming): they keep the furthest status '
                         'and every field of both.';
    END IF;
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER sessions_status_never_backwards BEFORE UPDATE OF session ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_status_never_backwards();

-- What was erased, and when: no personal data, only which sessions (a user's erasure, by
-- session id) or which times (retention: every session created before created_before).
-- upsert_session and facesign-analytics load consult it, so a session erased and sent again
-- is stored redacted (docs/sql.md, "Personal data").
CREATE TABLE IF NOT EXISTS erasures (
    session_id     text,
    created_before timestamptz,
    erased_at      timestamptz NOT NULL DEFAULT now(),
    reason         text NOT NULL,
    CONSTRAINT erasure_is_a_session_or_a_time CHECK ((session_id IS NULL) <> (created_before IS NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS erasures_session_id ON erasures (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS erasures_created_before ON erasures (created_before) WHERE created_before IS NOT NULL;

-- The redaction a session arriving now must get: the time of its erasure, or NULL when it
-- was not erased.
CREATE OR REPLACE FUNCTION erasure_of(session_id text, created_at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT min(e.erased_at) FROM erasures AS e
    WHERE e.session_id = erasure_of.session_id OR e.created_before > erasure_of.created_at
$$;

-- Stores one fetch of a session (a Session, or the {session, clientSecret} response of
-- GET /sessions/{id}): inserts it, or merges it into the stored version with
-- facesign.merge_session, so fetches may arrive in any order, twice, or late, and nothing a
-- fetch carried is lost. Returns 'inserted', 'updated' or 'unchanged' (the row is not
-- rewritten, and updated_at not moved, when the fetch adds nothing). A session the table
-- cannot store (no id, an id or other indexed value over 1 024 bytes, an invalid flow) is
-- refused first by facesign.assert_storable, with a message that names the problem and a
-- fitting SQLSTATE, rather than by an index or CHECK deep in the INSERT.
--
-- One function for the three layouts, so it names no unique index: it looks the session up
-- (locking it), merges and updates; or inserts with ON CONFLICT DO NOTHING, and when a
-- concurrent writer inserted the same session first, merges into theirs. The lookup and the
-- update name the session's created_at and client_reference_id with its id, so on a
-- partitioned table they visit one month and on a sharded one one shard: a session's
-- createdAt and clientReferenceId are set when it is created and never change, so every
-- fetch of it belongs in the same partition and on the same shard. (A stored session whose
-- keys differ from the fetch's is still found by id on the next try, where a unique index
-- on id holds: the single table's.)
CREATE OR REPLACE FUNCTION upsert_session(incoming jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    arriving jsonb;
    keys facesign.session_summary;
    stored sessions%ROWTYPE;
    merged jsonb;
    erased_at timestamptz;
BEGIN
    PERFORM facesign.assert_storable(incoming);
    arriving := facesign.merge_session(NULL, incoming);   -- the session out of its wrapper
    keys := facesign.session_summary(arriving);
    erased_at := erasure_of(keys.id, keys.created_at);
    IF erased_at IS NOT NULL THEN   -- erased before: stored redacted, however it arrives
        arriving := facesign.redact_session(arriving, erased_at);
    END IF;
    FOR attempt IN 1..3 LOOP
        IF attempt = 1 AND keys.created_at IS NOT NULL AND keys.client_reference_id IS NOT NULL THEN
            SELECT * INTO stored FROM sessions AS s
            WHERE s.id = keys.id AND s.created_at = keys.created_at
              AND s.client_reference_id = keys.client_reference_id
            FOR UPDATE;
        ELSE
            SELECT * INTO stored FROM sessions AS s WHERE s.id = keys.id FOR UPDATE;
        END IF;
        IF FOUND THEN
            merged := facesign.merge_session(stored.session, arriving);
            IF merged IS NOT DISTINCT FROM stored.session THEN
                RETURN 'unchanged';
            END IF;
            keys := facesign.session_summary(merged);
            IF stored.created_at IS NOT NULL AND stored.client_reference_id IS NOT NULL THEN
                UPDATE sessions AS s
                SET session = merged, status = keys.status, created_at = keys.created_at,
                    client_reference_id = keys.client_reference_id
                WHERE s.id = stored.id AND s.created_at = stored.created_at
                  AND s.client_reference_id = stored.client_reference_id;
            ELSE
                UPDATE sessions AS s
                SET session = merged, status = keys.status, created_at = keys.created_at,
                    client_reference_id = keys.client_reference_id
                WHERE s.id = stored.id;
            END IF;
            RETURN 'updated';
        END IF;
        INSERT INTO sessions (session, id, status, created_at, client_reference_id)
        VALUES (arriving, keys.id, keys.status, keys.created_at, keys.client_reference_id)
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
            RETURN 'inserted';
        END IF;
        -- Another transaction inserted this session since the lookup: merge into it.
    END LOOP;
    RAISE EXCEPTION 'session % was inserted and removed by concurrent transactions while it was being stored', keys.id
        USING ERRCODE = 'serialization_failure',
              HINT = 'Retry the call; under REPEATABLE READ or SERIALIZABLE, retry the transaction.';
END $$;

-- Erases a user: every stored session with this client_reference_id redacted
-- (facesign.redact_session, marked with now()), each recorded in erasures, so a later fetch
-- of any of them is stored redacted too. Returns how many sessions it redacted (those
-- redacted before are recorded, not counted). The exported datasets follow with the next
-- incremental export: each redacted row's updated_at moved.
CREATE OR REPLACE FUNCTION erase_user(client_reference_id text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    redacted bigint;
BEGIN
    WITH erased AS (
        UPDATE sessions AS s SET session = facesign.redact_session(s.session, now())
        WHERE s.client_reference_id = erase_user.client_reference_id AND NOT s.session ? 'redaction'
        RETURNING s.id
    )
    SELECT count(*) INTO redacted FROM erased;
    INSERT INTO erasures (session_id, reason)
    SELECT s.id, 'user request' FROM sessions AS s WHERE s.client_reference_id = erase_user.client_reference_id
    ON CONFLICT DO NOTHING;
    RETURN redacted;
END $$;

-- Retention: every session created before `before` redacted, and the time recorded, so an
-- older session sent again is stored redacted. Returns how many it redacted. On a table
-- partitioned by month, dropping whole months (sessions_maintain's keep) is the fast path:
-- it records the same horizon.
CREATE OR REPLACE FUNCTION erase_sessions_before(before timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    redacted bigint;
BEGIN
    IF before IS NULL OR before > now() THEN
        RAISE EXCEPTION 'erase_sessions_before needs a time in the past, not %', coalesce(before::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the retention horizon, e.g. now() - interval ''24 months''.';
    END IF;
    WITH erased AS (
        UPDATE sessions AS s SET session = facesign.redact_session(s.session, now())
        WHERE s.created_at < before AND NOT s.session ? 'redaction'
        RETURNING s.id
    )
    SELECT count(*) INTO redacted FROM erased;
    INSERT INTO erasures (created_before, reason) VALUES (before, 'retention');
    RETURN redacted;
END $$;
-- Only the owner (and whom the DBA grants it, sql/roles.sql) erases.
REVOKE EXECUTE ON FUNCTION erase_user(text), erase_sessions_before(timestamptz) FROM PUBLIC;

-- A user's sessions over time (impossible travel, device churn, "last verification of …").
CREATE INDEX IF NOT EXISTS sessions_client_reference_id_created_at
    ON sessions (client_reference_id, created_at);
-- Time windows.
-- The export reads each day's sessions in this order, straight from the index, with no sort
-- (the id in byte order, as the export writes them whatever the database's collation). It
-- also serves every query by creation time, so it replaces the plain created_at index of
-- earlier versions of this file.
CREATE INDEX IF NOT EXISTS sessions_created_at_id ON sessions (created_at, id COLLATE "C");
DO $$
BEGIN
    IF to_regclass('sessions_created_at') IS NOT NULL THEN
        DROP INDEX sessions_created_at;
    END IF;
END $$;
-- Incremental exports: what changed since the last one.
CREATE INDEX IF NOT EXISTS sessions_updated_at ON sessions (updated_at);
-- Work queues: sessions still in progress or waiting for delayed report fields.
CREATE INDEX IF NOT EXISTS sessions_status ON sessions (status) WHERE status <> 'complete';
-- The review queue: the newest high-risk sessions first (sql/examples/high_risk_today.sql).
CREATE INDEX IF NOT EXISTS sessions_review_queue ON sessions (created_at DESC) WHERE risk_level = 'high';
-- "Which sessions failed liveness?" without reading every report.
CREATE INDEX IF NOT EXISTS sessions_liveness_outcome
    ON sessions ((facesign.outcome(session, 'liveness_detection')));
