-- facesign is a trusted extension (extension/facesign.control; docs/install.md, "Trusted"):
-- a role without superuser that may create objects in a database (its owner here) creates
-- it, uses it and drops it; a role that may not is refused. The install script then runs as
-- the bootstrap superuser: it creates every object anew, so an object planted beforehand in
-- schema facesign stops it rather than being replaced or called.
SELECT current_database() AS regress_database \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS facesign_trusted;
DROP ROLE IF EXISTS facesign_test_owner;
DROP ROLE IF EXISTS facesign_test_visitor;
RESET client_min_messages;
CREATE ROLE facesign_test_owner LOGIN;     -- neither SUPERUSER nor CREATEDB
CREATE ROLE facesign_test_visitor LOGIN;
CREATE DATABASE facesign_trusted OWNER facesign_test_owner;
SELECT trusted, superuser FROM pg_available_extension_versions
WHERE name = 'facesign' AND version = (SELECT default_version FROM pg_available_extensions WHERE name = 'facesign');

\c facesign_trusted facesign_test_visitor
\set VERBOSITY terse
-- Without CREATE on the database: refused.
CREATE EXTENSION facesign;

\c facesign_trusted facesign_test_owner
SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user;
-- A function planted in schema facesign: CREATE EXTENSION stops at it.
CREATE SCHEMA facesign;
CREATE FUNCTION facesign.flow_is_valid(flow jsonb) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE EXTENSION facesign;
DROP SCHEMA facesign CASCADE;
\set VERBOSITY default

CREATE EXTENSION facesign;
SELECT e.extowner::regrole AS extension_owner, n.nspowner::regrole AS schema_owner,
       (SELECT string_agg(DISTINCT p.proowner::regrole::text, ', ') FROM pg_proc AS p
        WHERE p.pronamespace = e.extnamespace) AS function_owner,
       e.extversion = facesign.version() AS version_agrees
FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'facesign';
-- Its functions in the owner's own table, a CHECK and an index.
CREATE TABLE flows (flow_id text PRIMARY KEY, flow jsonb NOT NULL CHECK (facesign.flow_is_valid(flow)));
CREATE INDEX flows_fingerprint ON flows (facesign.flow_fingerprint(flow));
INSERT INTO flows VALUES ('short', '[{"id": "s", "type": "start", "outcome": "e"}, {"id": "e", "type": "end"}]');
\set VERBOSITY terse
INSERT INTO flows VALUES ('loop', '[{"id": "s", "type": "start", "outcome": "s"}]');
\set VERBOSITY default
SELECT flow_id, facesign.flow_fingerprint(flow) IS NOT NULL AS fingerprinted,
       (SELECT count(*) FROM facesign.flow_edges(flow)) AS edges FROM flows;
SELECT code FROM facesign.validate_flow('[{"id": "s", "type": "start", "outcome": "s"}]') ORDER BY code;
SELECT (facesign.session_summary('{"id": "x", "status": "complete", "createdAt": 1763900000000}')).status;
-- Its owner can drop it.
DROP TABLE flows;
DROP EXTENSION facesign;

\c :regress_database postgres
DROP DATABASE facesign_trusted;
DROP ROLE facesign_test_owner, facesign_test_visitor;
