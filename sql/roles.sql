-- Least privilege over the reference schema (apply after sql/sessions_table.sql, or one of
-- the partitioned or sharded files, as the tables' owner). Two group roles; grant them to
-- login roles: GRANT facesign_writer TO webhook_receiver; GRANT facesign_analyst TO alice;
--
--   facesign_writer   the receiver that stores fetches: upsert_session, facesign-analytics
--                     load; reads and writes sessions, reads erasures (to honour them).
--   facesign_analyst  data teams: sessions_for_analysts only (the key columns and the risk
--                     signals of each session as redaction leaves them, no document, no
--                     transcript, no city or coordinates) and the node outcomes; no raw
--                     document, no erasure.
--
-- Erasure (erase_user, erase_sessions_before) stays with the owner, or a role the DBA
-- grants it to by name: REVOKE … FROM PUBLIC in sessions_table.sql.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'facesign_writer') THEN
        CREATE ROLE facesign_writer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'facesign_analyst') THEN
        CREATE ROLE facesign_analyst NOLOGIN;
    END IF;
END $$;

-- What analysts read: nothing a redaction removes (the signals are read from the session
-- as facesign.redact_session leaves it, so the one list of personal fields decides).
CREATE OR REPLACE VIEW sessions_for_analysts AS
SELECT s.id, s.status, s.created_at, s.client_reference_id, s.updated_at, r.*
FROM sessions AS s CROSS JOIN LATERAL facesign.risk_signals(facesign.redact_session(s.session)) AS r;

CREATE OR REPLACE VIEW node_outcomes_for_analysts AS
SELECT s.id AS session_id, s.created_at AS session_created_at, n.*
FROM sessions AS s CROSS JOIN LATERAL facesign.node_outcomes(s.session) AS n;

GRANT USAGE ON SCHEMA facesign TO facesign_writer, facesign_analyst;
GRANT SELECT, INSERT, UPDATE ON sessions TO facesign_writer;
GRANT SELECT ON erasures TO facesign_writer;
GRANT EXECUTE ON FUNCTION upsert_session(jsonb) TO facesign_writer;
GRANT SELECT ON sessions_for_analysts, node_outcomes_for_analysts TO facesign_analyst;
