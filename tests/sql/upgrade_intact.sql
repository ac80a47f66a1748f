-- After upgrade_from_release.sql's ALTER EXTENSION facesign UPDATE and the SQL tests in the
-- same database (tests/upgrade/run.sh): the sessions stored before the update are intact.
SET search_path = stored, public;
\set kyc `cat tests/sessions/complete-kyc-object-video.json`

-- The same rows, column for column.
SELECT b.relation, a.rows = b.rows AS same_rows, a.checksum IS NOT DISTINCT FROM b.checksum AS same_content
FROM before AS b JOIN fingerprints AS a USING (relation) ORDER BY b.relation;

-- Every index valid, and every row's entry in each B-tree where the updated library puts it.
SELECT * FROM index_checks ORDER BY index;

-- The generated columns hold what the updated functions compute.
SELECT count(*) AS stale_generated_columns FROM sessions
WHERE liveness IS DISTINCT FROM facesign.outcome(session, 'liveness_detection')
   OR flow_id IS DISTINCT FROM facesign.flow_fingerprint(session -> 'settings' -> 'flow')
   OR deepfake_score IS DISTINCT FROM (facesign.risk_signals(session)).deepfake_score;
-- The materialized view refreshes to the same rows.
REFRESH MATERIALIZED VIEW CONCURRENTLY outcomes;
SELECT a.checksum = b.checksum AS outcomes_refreshed_alike
FROM before AS b JOIN fingerprints AS a USING (relation) WHERE b.relation = 'outcomes';

-- The expression indexes still serve the queries they were made for.
CREATE FUNCTION plan_uses(query text, index_name text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    plan text;
BEGIN
    EXECUTE 'EXPLAIN (COSTS OFF, FORMAT JSON) ' || query INTO plan;
    RETURN plan LIKE '%"Index Name": "' || index_name || '"%';
END $$;
SET enable_seqscan = off;
SELECT plan_uses($$SELECT id FROM sessions WHERE facesign.outcome(session, 'liveness_detection') = 'noFace'$$,
                 'sessions_liveness_outcome') AS liveness_outcome,
       plan_uses($$SELECT id FROM sessions WHERE (facesign.session_summary(session)).transcript_turns > 10$$,
                 'sessions_transcript_turns') AS transcript_turns,
       plan_uses($$SELECT id FROM sessions WHERE (facesign.risk_score(session)).score >= 60$$,
                 'sessions_risk') AS risk,
       plan_uses($$SELECT flow_id FROM flows WHERE facesign.flow_fingerprint(flow) = 'x'$$,
                 'flows_fingerprint') AS flow_fingerprint;
SELECT count(*) AS no_face_by_index FROM sessions WHERE facesign.outcome(session, 'liveness_detection') = 'noFace';
RESET enable_seqscan;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS no_face_by_scan FROM sessions WHERE facesign.outcome(session, 'liveness_detection') = 'noFace';
RESET enable_indexscan;
RESET enable_bitmapscan;

-- Every stored row passes the CHECK constraints and triggers again under the updated library.
BEGIN;
UPDATE sessions SET session = session;
UPDATE flows SET flow = flow;
ROLLBACK;
-- New sessions are stored as before; an invalid flow is still refused.
SELECT upsert_session(jsonb_set(:'kyc'::jsonb, '{id}', '"after-the-update"')) AS stored_after_update;
\set VERBOSITY terse
INSERT INTO flows (flow_id, flow) VALUES ('broken', '[{"id": "start", "type": "start", "outcome": "start"}]');
\set VERBOSITY default
