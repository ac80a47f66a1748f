-- Stored FaceSign sessions: one row per session, the document as `GET /sessions/{id}`
-- returns it (its `session` object), with the columns people filter on generated from it by
-- the extension's readers. Apply after `CREATE EXTENSION facesign;`.
--
-- Every facesign function is IMMUTABLE, so it can stand in a generated column, a CHECK and
-- an index expression. Generated columns are computed once, when a row is written.

CREATE TABLE IF NOT EXISTS sessions (
    session             jsonb NOT NULL,
    id                  text GENERATED ALWAYS AS ((facesign.session_summary(session)).id) STORED NOT NULL,
    status              text GENERATED ALWAYS AS ((facesign.session_summary(session)).status) STORED,
    created_at          timestamptz GENERATED ALWAYS AS ((facesign.session_summary(session)).created_at) STORED,
    client_reference_id text GENERATED ALWAYS AS ((facesign.session_summary(session)).client_reference_id) STORED,
    -- When this row last changed: incremental exports take what changed since their last run.
    updated_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT sessions_pkey PRIMARY KEY (id),
    -- A flow in the SDK-head array format must be valid. Sessions stored before it (the
    -- older {nodes, edges} object, or no flow) are history and are kept as they are.
    CONSTRAINT session_flow_is_valid CHECK (
        jsonb_typeof(session -> 'settings' -> 'flow') IS DISTINCT FROM 'array'
        OR facesign.flow_is_valid(session -> 'settings' -> 'flow'))
);

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
       AND NOT EXISTS (SELECT FROM sessions) THEN
        ALTER TABLE sessions ALTER COLUMN session SET COMPRESSION lz4;
    END IF;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this server is built without lz4: sessions are compressed with pglz';
END $$;

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

-- Stores one fetch of a session (a Session, or the {session, clientSecret} response of
-- GET /sessions/{id}): inserts it, or merges it into the stored version with
-- facesign.merge_session, so fetches may arrive in any order, twice, or late, and nothing a
-- fetch carried is lost. Returns 'inserted', 'updated' or 'unchanged' (the row is not
-- rewritten, and updated_at not moved, when the fetch adds nothing). A session the table
-- cannot store (no id, an id or other indexed value over 1 024 bytes, an invalid flow) is
-- refused first by facesign.assert_storable, with a message that names the problem and a
-- fitting SQLSTATE, rather than by an index or CHECK deep in the INSERT.
CREATE OR REPLACE FUNCTION upsert_session(incoming jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    outcome text;
BEGIN
    PERFORM facesign.assert_storable(incoming);
    INSERT INTO sessions AS stored (session) VALUES (facesign.merge_session(NULL, incoming))
    ON CONFLICT (id) DO UPDATE SET session = facesign.merge_session(stored.session, EXCLUDED.session)
        WHERE facesign.merge_session(stored.session, EXCLUDED.session) IS DISTINCT FROM stored.session
    RETURNING CASE WHEN stored.xmax = 0 THEN 'inserted' ELSE 'updated' END INTO outcome;
    RETURN coalesce(outcome, 'unchanged');
END $$;

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
-- "Which sessions failed liveness?" without reading every report.
CREATE INDEX IF NOT EXISTS sessions_liveness_outcome
    ON sessions ((facesign.outcome(session, 'liveness_detection')));
