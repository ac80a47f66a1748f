-- The update by a database owner who is no superuser (facesign is trusted): they create the
-- released version, use it in a CHECK and an index, and update it (tests/upgrade/run.sh).
SELECT current_setting('facesign_test.released') AS released \gset
SELECT current_database() AS regress_database \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS facesign_owner_update;
DROP ROLE IF EXISTS facesign_test_dba;
RESET client_min_messages;
CREATE ROLE facesign_test_dba LOGIN;     -- neither SUPERUSER nor CREATEDB
CREATE DATABASE facesign_owner_update OWNER facesign_test_dba;

\c facesign_owner_update facesign_test_dba
CREATE EXTENSION facesign VERSION :'released';
CREATE TABLE flows (flow_id text PRIMARY KEY, flow jsonb NOT NULL CHECK (facesign.flow_is_valid(flow)));
CREATE INDEX flows_fingerprint ON flows (facesign.flow_fingerprint(flow));
INSERT INTO flows VALUES ('short', '[{"id": "s", "type": "start", "outcome": "e"}, {"id": "e", "type": "end"}]');
ALTER EXTENSION facesign UPDATE;
SELECT rolsuper AS superuser, e.extversion <> :'released' AS updated, e.extversion = facesign.version() AS version_agrees
FROM pg_extension AS e JOIN pg_roles AS r ON r.oid = e.extowner WHERE e.extname = 'facesign';
SELECT flow_id, facesign.flow_is_valid(flow) AS valid FROM flows;

\c :regress_database postgres
DROP DATABASE facesign_owner_update;
DROP ROLE facesign_test_dba;
