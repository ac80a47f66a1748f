-- What the reference table cannot store is refused by facesign.assert_storable (and so by
-- upsert_session) before the table sees it, with a fitting SQLSTATE, a message naming the
-- problem but never the value, and a hint; facesign.storage_refusal says why without raising.
-- The same rule (facesign_core::storable) refuses the same NDJSON lines in the loader.
\set VERBOSITY default
\set ECHO all
CREATE SCHEMA storable_test;
SET search_path = storable_test, public;
\set ECHO none
SET client_min_messages = warning;
\i sql/sessions_table.sql
RESET client_min_messages;
\set ECHO all
\set ON_ERROR_STOP 0
\set SHOW_CONTEXT never

-- Each kind of refusal, without raising.
SELECT reason, facesign.storage_refusal(doc::jsonb) AS refusal
FROM (VALUES
  ('storable', '{"id": "ok-1", "status": "complete", "settings": {"clientReferenceId": "u1"}}'),
  ('wrapper', '{"session": {"id": "ok-2"}, "clientSecret": {"secret": "s"}}'),
  ('array', '[1, 2]'),
  ('no id', '{"status": "complete"}'),
  ('numeric id', '{"id": 12}'),
  ('id of 1025 bytes', '{"id": "' || repeat('x', 1025) || '"}'),
  ('id of 1024 bytes', '{"id": "' || repeat('x', 1024) || '"}'),
  ('long reference', '{"id": "a", "settings": {"clientReferenceId": "' || repeat('r', 20000) || '"}}'),
  ('long status', '{"id": "a", "status": "' || repeat('s', 3000) || '"}'),
  ('long liveness outcome', '{"id": "a", "report": {"nodeReports": [{"type": "liveness_detection", "outcome": "' || repeat('o', 3000) || '"}]}}'),
  ('invalid flow', '{"id": "a", "settings": {"flow": [{"id": "s", "type": "start", "outcome": "s"}]}}')
) AS t(reason, doc);

-- upsert_session refuses each with its SQLSTATE (printed by \echo after each statement).
SELECT upsert_session(('{"id": "' || repeat('x', 20000) || '"}')::jsonb);
\echo :SQLSTATE
SELECT upsert_session(('{"id": "a", "settings": {"clientReferenceId": "' || repeat('r', 20000) || '"}}')::jsonb);
\echo :SQLSTATE
SELECT upsert_session('{"status": "complete"}');
\echo :SQLSTATE
SELECT upsert_session('"just a string"');
\echo :SQLSTATE
SELECT upsert_session('{"id": "a", "settings": {"flow": [{"id": "s", "type": "start", "outcome": "s"}]}}');
\echo :SQLSTATE
-- A \u0000 never reaches it: PostgreSQL's jsonb input refuses the text (22P05).
SELECT upsert_session('{"id": "nul", "report": {"transcript": [{"text": "a\u0000b"}]}}');
\echo :SQLSTATE
-- A lone surrogate escape likewise (22P02), and a number jsonb cannot hold (22003).
SELECT upsert_session('{"id": "surrogate", "text": "\ud800"}');
\echo :SQLSTATE
SELECT upsert_session('{"id": "huge", "n": 1e1000000}');
\echo :SQLSTATE
-- Nothing above was stored; a storable session still is, and its refusal is NULL.
SELECT upsert_session('{"id": "ok-3", "status": "complete"}');
SELECT count(*) AS stored, string_agg(id, ',') AS ids FROM sessions;
-- Without upsert_session, the table's own index refuses an over-long id (54000): the limit
-- above keeps every key well inside what a btree entry holds.
\set VERBOSITY terse
INSERT INTO sessions (session)
SELECT ('{"id": "' || string_agg(md5(i::text), '') || '"}')::jsonb FROM generate_series(1, 100) AS i;
\echo :SQLSTATE
\set VERBOSITY default
SELECT 'nothing raised' AS storable FROM (SELECT facesign.assert_storable('{"id": "fine"}')) AS t;
RESET search_path;
