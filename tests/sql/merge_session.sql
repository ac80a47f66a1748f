-- facesign.merge_session over every arrival order of a session's snapshots, then the
-- reference schema's upsert_session and its trigger against a status moving backwards.
\set kyc `cat tests/sessions/complete-kyc-object-video.json`
CREATE SCHEMA merge_test;
SET search_path = merge_test, public;

-- Five fetches of one session (the table snapshots) and every order of them (the view
-- every_order).
\i tests/sql/include/kyc_snapshots.sql
SELECT n, name, (facesign.session_summary(doc)).status, (facesign.session_summary(doc)).node_reports,
       (facesign.session_summary(doc)).transcript_turns, doc -> 'report' ? 'videoAIAnalysis' AS video
FROM snapshots ORDER BY n;

SELECT count(*) AS orders, count(DISTINCT stored) AS distinct_results,
       bool_and(stored = (SELECT doc FROM snapshots WHERE n = 5)) AS all_equal_the_last
FROM every_order;

-- The delayed fields from different fetches: one saw the node reports, another the video
-- analysis (but not the node reports). Whatever the order, the result has both.
UPDATE snapshots SET doc = jsonb_set(jsonb_set((SELECT doc FROM snapshots WHERE n = 3), '{report,videoAIAnalysis}',
                                               (SELECT doc #> '{report,videoAIAnalysis}' FROM snapshots WHERE n = 5)),
                                     '{report,videoAIAnalysisStatus}', '"succeeded"'),
                     name = 'videoAIAnalysis, no nodeReports'
WHERE n = 5;
SELECT count(*) AS orders, count(DISTINCT stored) AS distinct_results,
       bool_and(stored = :'kyc'::jsonb) AS all_equal_the_complete_session
FROM every_order;

-- The rules one by one.
SELECT facesign.merge_session('{"id": "s", "status": "complete"}', '{"id": "s", "status": "inProgress"}') AS status_stays,
       facesign.merge_session('{"id": "s", "status": "incomplete"}', '{"id": "s", "status": "complete"}') AS complete_wins,
       facesign.merge_session('{"id": "s", "report": {"lang": "en"}}', '{"id": "s", "report": {"lang": null, "media": {}}}') AS fields_of_both;
-- NULL stored: the incoming session, unwrapped from GET's {session, clientSecret}.
SELECT facesign.merge_session(NULL, '{"session": {"id": "s"}, "clientSecret": {"secret": "x"}}') AS first_write,
       facesign.merge_session('{"id": "s"}', NULL) AS nothing_incoming,
       facesign.merge_session(NULL, NULL) IS NULL AS both_null;
-- Values the server keeps exactly travel as they are (numbers beyond f64, deep nesting).
SELECT facesign.merge_session('{"id": "s", "n": 1e400, "m": 0.1000000000000000000001}', '{"id": "s", "report": {}}') AS exact_numbers;
SELECT facesign.merge_session(d, '{"id": "s"}') = d AS deep_value_unchanged
FROM (SELECT ('{"id": "s", "deep": ' || repeat('[', 5000) || repeat(']', 5000) || '}')::jsonb AS d) AS deep;
\set VERBOSITY terse
SELECT facesign.merge_session('{"id": "a"}', '{"id": "b"}');
-- Bad input, not a server fault: invalid_parameter_value (22023), never internal_error (XX000).
\echo :SQLSTATE
\set VERBOSITY default

-- The reference schema: upsert_session stores every order of the five fetches the same way.
\set ECHO none
\i sql/sessions_table.sql
\set ECHO all
UPDATE snapshots SET doc = :'kyc', name = 'with videoAIAnalysis' WHERE n = 5;
SELECT upsert_session(jsonb_set(s.doc, '{id}', to_jsonb('order-' || array_to_string(e.o, '')))) AS outcome, count(*)
FROM every_order e CROSS JOIN LATERAL unnest(e.o) WITH ORDINALITY AS step(n, i)
JOIN snapshots s USING (n)
GROUP BY 1 ORDER BY 1;
SELECT count(*) AS stored, bool_and(session - 'id' = :'kyc'::jsonb - 'id') AS all_complete_with_everything,
       count(DISTINCT status) AS statuses
FROM sessions;
-- A fetch that adds nothing leaves the row alone (updated_at does not move).
SELECT updated_at AS before FROM sessions WHERE id = 'order-12345' \gset
SELECT upsert_session(jsonb_set(doc, '{id}', '"order-12345"')) FROM snapshots WHERE n = 3;
SELECT updated_at = :'before' AS untouched FROM sessions WHERE id = 'order-12345';
-- The trigger refuses a plain UPDATE that moves a status backwards, with what to do instead.
UPDATE sessions SET session = jsonb_set(session, '{status}', '"inProgress"') WHERE id = 'order-12345';
-- Moving forward, or changing other fields, is allowed.
SELECT upsert_session('{"id": "fresh", "status": "created", "createdAt": 1763900000000}');
UPDATE sessions SET session = jsonb_set(session, '{status}', '"inProgress"') WHERE id = 'fresh';
UPDATE sessions SET session = session - 'createdAt' WHERE id = 'fresh';
SELECT id, status, created_at FROM sessions WHERE id = 'fresh';

DROP SCHEMA merge_test CASCADE;
