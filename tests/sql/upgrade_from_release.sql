-- The upgrade a DBA runs (tests/upgrade/run.sh, scripts/test.sh --only upgrade): facesign
-- created at a released version, from that release's install script kept in extension/sql/,
-- against the new library (what a database has once the new package has replaced the
-- library); the reference schema holding sessions that use the extension's functions in
-- CHECK constraints, generated columns, expression indexes, views and a materialized view;
-- then ALTER EXTENSION facesign UPDATE. The SQL tests then run in this database, and
-- upgrade_intact.sql checks the rows and indexes afterwards. The released version comes in
-- the setting facesign_test.released.
SELECT current_setting('facesign_test.released') AS released \gset
CREATE EXTENSION facesign VERSION :'released';
SELECT extversion = :'released' AS at_the_released_version FROM pg_extension WHERE extname = 'facesign';
CREATE EXTENSION amcheck;

CREATE SCHEMA stored;
SET search_path = stored, public;
\set kyc `cat tests/sessions/complete-kyc-object-video.json`
\set deepfake `cat tests/sessions/complete-deepfake-array-video.json`
\set legacy `cat tests/sessions/incomplete-legacy-snake-case.json`
\set list_response `cat tests/fixtures/facesign-api/sessions-list-response-dev.json`
\set all_node_types `cat tests/flows/all-node-types.json`
\set english `cat tests/flows/seed-english-recognition-liveness.json`
\set multilingual `cat tests/flows/seed-multilingual-recognition-liveness.json`
\set ECHO none
SET client_min_messages = warning;
\i sql/sessions_table.sql
\i sql/flows_table.sql
\i sql/session_readings.sql
RESET client_min_messages;
\set ECHO all

-- Besides the reference schema's CHECKs (session_keys_match_document, session_flow_is_valid,
-- flow_is_valid) and its index on facesign.outcome: generated columns, more expression
-- indexes, and a materialized view. (Not the extension's composite types as column types:
-- a minor version may add attributes to them, which PostgreSQL cannot do to a type a column
-- uses; docs/install.md says to store their fields instead.)
ALTER TABLE sessions
    ADD COLUMN liveness text GENERATED ALWAYS AS (facesign.outcome(session, 'liveness_detection')) STORED,
    ADD COLUMN flow_id text GENERATED ALWAYS AS (facesign.flow_fingerprint(session -> 'settings' -> 'flow')) STORED,
    ADD COLUMN deepfake_score float8 GENERATED ALWAYS AS ((facesign.risk_signals(session)).deepfake_score) STORED;
CREATE INDEX sessions_flow_id ON sessions (flow_id);
CREATE INDEX sessions_transcript_turns ON sessions (((facesign.session_summary(session)).transcript_turns));
CREATE INDEX sessions_risk ON sessions (((facesign.risk_score(session)).score), id);
CREATE INDEX flows_fingerprint ON flows (facesign.flow_fingerprint(flow));

INSERT INTO sessions (session) VALUES (:'kyc'), (:'deepfake'), (:'legacy');
INSERT INTO sessions (session)
SELECT s FROM jsonb_array_elements((:'list_response'::jsonb) -> 'sessions') AS s ON CONFLICT (id) DO NOTHING;
-- 300 more: copies of the two complete sessions with other ids, users, times and outcomes.
INSERT INTO sessions (session)
SELECT jsonb_set(jsonb_set(jsonb_set(jsonb_set(
         CASE WHEN i % 2 = 0 THEN :'kyc'::jsonb ELSE :'deepfake'::jsonb END,
         '{id}', to_jsonb('copy-' || i)),
         '{createdAt}', to_jsonb(1763900000000 + i * 3600000::bigint)),
         '{settings,clientReferenceId}', to_jsonb('user-' || i % 37)),
         CASE WHEN i % 2 = 0 THEN '{report,nodeReports,3,outcome}' ELSE '{report,nodeReports,2,outcome}' END::text[],
         to_jsonb((ARRAY['livenessDetected', 'noFace', 'deepfakeDetected', 'livenessDetected'])[1 + i % 4]))
FROM generate_series(1, 300) AS i;
INSERT INTO flows (flow_id, flow)
VALUES ('all-node-types', :'all_node_types'), ('english', :'english'), ('multilingual', :'multilingual'),
       ('kyc', :'kyc'::jsonb -> 'settings' -> 'flow'), ('deepfake', :'deepfake'::jsonb -> 'settings' -> 'flow');
CREATE MATERIALIZED VIEW outcomes AS
SELECT s.id, o.ordinal, o.node_type, o.outcome FROM sessions AS s, facesign.node_outcomes(s.session) AS o;
CREATE UNIQUE INDEX outcomes_id_ordinal ON outcomes (id, ordinal);
ANALYZE sessions, flows, outcomes;

-- What upgrade_intact.sql compares after the update: each stored relation's rows, counted
-- and summed up in an md5 of every column of every row in key order; the views' rows counted.
CREATE VIEW fingerprints AS
          SELECT 'sessions' AS relation, count(*) AS rows, md5(string_agg(s::text, E'\n' ORDER BY id)) AS checksum FROM sessions AS s
UNION ALL SELECT 'flows', count(*), md5(string_agg(f::text, E'\n' ORDER BY flow_id)) FROM flows AS f
UNION ALL SELECT 'outcomes', count(*), md5(string_agg(o::text, E'\n' ORDER BY id, ordinal)) FROM outcomes AS o
UNION ALL SELECT 'session_node_outcomes (view)', count(*), NULL FROM session_node_outcomes
UNION ALL SELECT 'session_risk_signals (view)', count(*), NULL FROM session_risk_signals
UNION ALL SELECT 'session_transcript (view)', count(*), NULL FROM session_transcript;
CREATE TABLE before AS SELECT * FROM fingerprints;
SELECT relation, rows FROM before ORDER BY relation;

-- Every B-tree of the schema checked, each heap row's entry recomputed (heapallindexed).
CREATE VIEW index_checks AS
SELECT c.relname AS index, i.indisvalid AND i.indisready AS valid, bt_index_check(c.oid, true)::text = '' AS checked
FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_am AS am ON am.oid = c.relam
WHERE c.relnamespace = 'stored'::regnamespace AND am.amname = 'btree';
SELECT * FROM index_checks ORDER BY index;

-- The update.
ALTER EXTENSION facesign UPDATE;
SELECT e.extversion <> :'released' AS updated, e.extversion = a.default_version AS to_the_default_version,
       e.extversion = facesign.version() AS library_and_catalog_agree
FROM pg_extension AS e JOIN pg_available_extensions AS a ON a.name = e.extname WHERE e.extname = 'facesign';
