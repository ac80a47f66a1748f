-- The report readers against the same readings written by hand in plain SQL
-- (tests/handwritten/readers.sql), on 400 sessions varied from the hand-written test
-- sessions, then the legacy shapes, bare reports and hostile documents.
\set kyc `cat tests/sessions/complete-kyc-object-video.json`
\set deepfake `cat tests/sessions/complete-deepfake-array-video.json`
\set legacy `cat tests/sessions/incomplete-legacy-snake-case.json`

CREATE TABLE docs (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO docs
SELECT i, v.doc
FROM generate_series(1, 400) i,
LATERAL (SELECT CASE WHEN i % 2 = 0 THEN :'kyc'::jsonb ELSE :'deepfake'::jsonb END AS base) b,
LATERAL (SELECT jsonb_set(jsonb_set(jsonb_set(b.base,
            '{createdAt}', to_jsonb((b.base->>'createdAt')::bigint + i * 60013)),
            '{report,nodeReports,2,outcome}',
            to_jsonb((ARRAY['livenessDetected', 'deepfakeDetected', 'noFace', 'inconclusive', 'newUser'])[1 + i % 5])),
            '{report,location,location,latitude}', to_jsonb(-60 + (i * 7919 % 12000) / 100.0)) AS d1) s1,
LATERAL (SELECT CASE
           WHEN i % 11 = 0 THEN s1.d1 #- '{report,location,traits}'
           WHEN i % 13 = 0 THEN s1.d1 #- '{report,videoAIAnalysis}'
           WHEN i % 17 = 0 THEN s1.d1 #- '{report,nodeReports}'
           WHEN i % 19 = 0 THEN jsonb_set(s1.d1, '{report,videoAIAnalysis}', '[]')
           WHEN i % 23 = 0 THEN s1.d1 #- '{report,device,isMobile}' #- '{report,device,isTablet}'
           WHEN i % 29 = 0 THEN jsonb_set(s1.d1, '{settings,client_reference_id}', '"legacy-ref"') #- '{settings,clientReferenceId}'
           ELSE s1.d1 END AS doc) v;
\i tests/handwritten/readers.sql

-- Each function agrees with the hand-written SQL, row for row (0 rows missing, 0 extra).
SELECT 'node_outcomes' AS reader, count(*) AS rows,
  (SELECT count(*) FROM (SELECT * FROM hand_node_outcomes EXCEPT ALL
                         SELECT d.id, n.* FROM docs d, facesign.node_outcomes(d.doc) n) x) AS missing,
  (SELECT count(*) FROM (SELECT d.id, n.* FROM docs d, facesign.node_outcomes(d.doc) n EXCEPT ALL
                         SELECT * FROM hand_node_outcomes) x) AS extra
FROM hand_node_outcomes
UNION ALL
SELECT 'transcript', count(*),
  (SELECT count(*) FROM (SELECT * FROM hand_transcript EXCEPT ALL
                         SELECT d.id, t.* FROM docs d, facesign.transcript(d.doc) t) x),
  (SELECT count(*) FROM (SELECT d.id, t.* FROM docs d, facesign.transcript(d.doc) t EXCEPT ALL
                         SELECT * FROM hand_transcript) x)
FROM hand_transcript
UNION ALL
SELECT 'outcome', count(*),
  (SELECT count(*) FROM (SELECT * FROM hand_liveness_outcome EXCEPT ALL
                         SELECT d.id, facesign.outcome(d.doc, 'liveness_detection') FROM docs d) x),
  (SELECT count(*) FROM (SELECT d.id, facesign.outcome(d.doc, 'liveness_detection') FROM docs d EXCEPT ALL
                         SELECT * FROM hand_liveness_outcome) x)
FROM hand_liveness_outcome
UNION ALL
SELECT 'risk_signals', count(*),
  (SELECT count(*) FROM (SELECT * FROM hand_risk_signals EXCEPT ALL
                         SELECT d.id, r.* FROM docs d, facesign.risk_signals(d.doc) r) x),
  (SELECT count(*) FROM (SELECT d.id, r.* FROM docs d, facesign.risk_signals(d.doc) r EXCEPT ALL
                         SELECT * FROM hand_risk_signals) x)
FROM hand_risk_signals
UNION ALL
SELECT 'session_summary', count(*),
  (SELECT count(*) FROM (SELECT * FROM hand_session_summary EXCEPT ALL
                         SELECT d.id, s.* FROM docs d, facesign.session_summary(d.doc) s) x),
  (SELECT count(*) FROM (SELECT d.id, s.* FROM docs d, facesign.session_summary(d.doc) s EXCEPT ALL
                         SELECT * FROM hand_session_summary) x)
FROM hand_session_summary;

-- The variations really vary (the comparison above is not over 400 copies of one row).
SELECT count(DISTINCT r) AS distinct_risk_rows, count(DISTINCT r.liveness) AS liveness_values,
       count(*) FILTER (WHERE r.anonymizer IS NULL) AS without_traits,
       count(*) FILTER (WHERE r.video_suspicious IS NULL) AS without_video
FROM docs d, facesign.risk_signals(d.doc) r;

-- Whole session and bare report read the same.
SELECT (SELECT count(*) FROM docs d WHERE facesign.risk_signals(d.doc) IS DISTINCT FROM facesign.risk_signals(d.doc->'report')) AS risk_differs,
       (SELECT count(*) FROM docs d WHERE facesign.outcome(d.doc, 'recognition') IS DISTINCT FROM facesign.outcome(d.doc->'report', 'recognition')) AS outcome_differs,
       (SELECT count(*) FROM facesign.node_outcomes(:'kyc'::jsonb -> 'report')) AS bare_report_rows,
       (SELECT count(*) FROM facesign.node_outcomes(jsonb_build_object('session', :'kyc'::jsonb, 'clientSecret', '{}'::jsonb))) AS get_wrapper_rows;

-- The fixtures show the values.
\x on
SELECT * FROM facesign.risk_signals(:'kyc');
SELECT * FROM facesign.session_summary(:'kyc');
-- Legacy: snake_case settings, {nodes, edges} flow, explicit nulls, riskyIndicators,
-- a latitude stored as a string: NULLs, never an error.
SELECT * FROM facesign.risk_signals(:'legacy');
SELECT * FROM facesign.session_summary(:'legacy');
\x off
SELECT * FROM facesign.node_outcomes(:'deepfake');
SELECT * FROM facesign.transcript(:'kyc');
-- Called in the select list (no expected row type from the executor) and in a table
-- expression with renamed columns: the same rows as in FROM.
SELECT (SELECT count(*) FROM (SELECT (facesign.node_outcomes(d.doc)).* FROM docs d
                              EXCEPT ALL SELECT n.* FROM docs d, facesign.node_outcomes(d.doc) n) x) AS node_outcomes_differ,
       (SELECT count(*) FROM (SELECT (facesign.transcript(d.doc)).* FROM docs d
                              EXCEPT ALL SELECT t.* FROM docs d, facesign.transcript(d.doc) t) x) AS transcript_differ,
       (SELECT count(*) FROM docs d, facesign.node_outcomes(d.doc) AS n(i, a, b, c, e) WHERE n.c IS NOT NULL) AS renamed_with_outcome,
       (SELECT count(*) FROM docs d, facesign.node_outcomes(d.doc) n WHERE n.outcome IS NOT NULL) AS with_outcome;
SELECT t AS node_type, facesign.outcome(:'kyc', t) FROM unnest(ARRAY['liveness_detection', 'face_scan',
  'two_factor_sms', 'conversation', 'end', 'no_such_type']) t;

-- Hostile documents: every JSON type where an object, array or string belongs.
SELECT v AS doc, (SELECT count(*) FROM facesign.node_outcomes(v::jsonb)) AS outcomes,
       (SELECT count(*) FROM facesign.transcript(v::jsonb)) AS phrases,
       facesign.outcome(v::jsonb, 'recognition') AS outcome,
       facesign.risk_signals(v::jsonb) AS risk, facesign.session_summary(v::jsonb) AS summary
FROM unnest(ARRAY['null', '1', '"report"', '[]', '{}', '{"report": null}', '{"report": []}',
  '{"report": {"nodeReports": {"type": "recognition"}, "transcript": "hi"}}',
  '{"report": {"nodeReports": [1, null, {"type": 5, "outcome": 6}, {"type": "recognition", "outcome": ["x"]}],
                "transcript": [{"isAvatar": "yes", "text": 1, "createdAt": "now"}],
                "aiAnalysis": {"ageMin": 25.5, "ageMax": 1e40, "sex": 1},
                "location": {"location": {"latitude": 1e400, "accuracyRadius": -1}, "traits": {"isTorExitNode": "true"}},
                "device": {"isMobile": 1, "isTablet": null, "isBot": false},
                "videoAIAnalysis": {"a": 1, "b": {"evaluation": ["suspicious"]}, "c": {"evaluation": "suspicious"}}},
    "createdAt": 1e300, "settings": {"flow": {"nodes": 3}}}']) v;

-- A parallel plan is used on a large table: every function is PARALLEL SAFE.
CREATE TABLE many AS SELECT i AS id, d.doc FROM docs d, generate_series(1, 100) i;
ANALYZE many;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
-- The "Workers Launched" of the plan's Gather node (EXPLAIN ANALYZE, read as JSON so the
-- test output carries no timings).
CREATE FUNCTION workers_launched(query text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE plan jsonb;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || query INTO plan;
  RETURN jsonb_path_query_first(plan, 'strict $.**."Workers Launched"')::int;
END $$;
SELECT workers_launched($$SELECT count(*) FROM many m, facesign.risk_signals(m.doc) r WHERE r.liveness = 'livenessDetected'$$) AS risk_signals,
       workers_launched($$SELECT count(*) FROM many m, facesign.node_outcomes(m.doc) n WHERE n.outcome = 'match'$$) AS node_outcomes,
       workers_launched($$SELECT count(*) FROM many m WHERE (facesign.session_summary(m.doc)).status = 'complete'$$) AS session_summary;
