-- The reference schema in sql/sessions_table.sql and the example queries in sql/examples/,
-- on the test sessions, varied copies of them, and the API fixtures' real (Dev) sessions.
\set kyc `cat tests/sessions/complete-kyc-object-video.json`
\set deepfake `cat tests/sessions/complete-deepfake-array-video.json`
\set legacy `cat tests/sessions/incomplete-legacy-snake-case.json`
\set get_response `cat tests/fixtures/facesign-api/session-get-response-dev.json`
\set list_response `cat tests/fixtures/facesign-api/sessions-list-response-dev.json`
\set ECHO none
\i sql/sessions_table.sql
\set ECHO all

INSERT INTO sessions (session) VALUES (:'kyc'), (:'deepfake'), (:'legacy'), ((:'get_response'::jsonb) -> 'session');
INSERT INTO sessions (session)
SELECT s FROM jsonb_array_elements((:'list_response'::jsonb) -> 'sessions') AS s
ON CONFLICT (id) DO NOTHING;
-- Twenty more: copies of the two complete sessions with other ids, countries and outcomes.
INSERT INTO sessions (session)
SELECT jsonb_set(jsonb_set(jsonb_set(CASE WHEN i % 2 = 0 THEN :'kyc'::jsonb ELSE :'deepfake'::jsonb END,
         '{id}', to_jsonb('copy' || i)),
         '{report,location,country,isoCode}', to_jsonb((ARRAY['DE', 'FR', 'US', 'BR'])[1 + i % 4])),
         CASE WHEN i % 2 = 0 THEN '{report,nodeReports,3,outcome}' ELSE '{report,nodeReports,2,outcome}' END::text[],
         to_jsonb((ARRAY['livenessDetected', 'livenessDetected', 'noFace', 'deepfakeDetected', 'livenessDetected'])[1 + i % 5]))
FROM generate_series(1, 20) AS i;

-- A new table compresses its documents with lz4 (the full sessions are large enough to be
-- compressed at all). Applied again to a table in use, the file leaves the method alone.
SELECT pg_column_compression(session) AS compression, count(*) FROM sessions
WHERE pg_column_compression(session) IS NOT NULL GROUP BY 1;
ALTER TABLE sessions ALTER COLUMN session SET COMPRESSION default;
\set ECHO none
SET client_min_messages = warning;
\i sql/sessions_table.sql
RESET client_min_messages;
\set ECHO all
SELECT attcompression = '' AS still_default FROM pg_attribute
WHERE attrelid = 'sessions'::regclass AND attname = 'session';
ALTER TABLE sessions ALTER COLUMN session SET COMPRESSION lz4;

-- The generated columns, read by the extension from each document.
SELECT id, status, created_at, client_reference_id FROM sessions WHERE id NOT LIKE 'copy%' ORDER BY id;

-- A session whose flow is an invalid node array is refused; legacy flows were accepted above.
\set VERBOSITY terse
INSERT INTO sessions (session) VALUES ('{"id": "bad-flow", "status": "created", "createdAt": 1763900000000,
  "settings": {"flow": [{"id": "start", "type": "start", "outcome": "start"}]}}');
\set VERBOSITY default

-- The liveness index serves an indexed lookup.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM sessions WHERE facesign.outcome(session, 'liveness_detection') = 'noFace';
RESET enable_seqscan;
SELECT count(*) AS no_face FROM sessions WHERE facesign.outcome(session, 'liveness_detection') = 'noFace';

\echo sql/examples/verification_decision.sql
\i sql/examples/verification_decision.sql
\echo sql/examples/liveness_failure_rate_by_country.sql
\i sql/examples/liveness_failure_rate_by_country.sql
\echo sql/examples/transcript_search.sql
\i sql/examples/transcript_search.sql
\echo sql/examples/outcome_funnel.sql
\i sql/examples/outcome_funnel.sql
\echo sql/examples/unsafe_flows.sql
\i sql/examples/unsafe_flows.sql
\echo sql/examples/impossible_travel.sql
\i sql/examples/impossible_travel.sql
