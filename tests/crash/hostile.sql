-- Hostile documents (tests/crash/build.sql) through every SQL function of the extension, in a
-- fresh session. Each statement must end in a result or a clean error, never a crashed
-- backend; tests/crash/run.sh checks the server and this backend's memory afterwards.
\set ON_ERROR_STOP 0
SELECT pg_backend_pid() AS backend_pid \gset
\setenv BACKEND_PID :backend_pid
SELECT 'contexts before: ' || sum(total_bytes) FROM pg_backend_memory_contexts;
-- Every function on every document (the flow functions on the document itself and on its
-- settings.flow). A clean error in one statement does not stop the others.
SELECT count(*) AS validate_flow_rows FROM hostile, LATERAL facesign.validate_flow(doc);
SELECT count(*) AS validate_flow_rows FROM hostile, LATERAL facesign.validate_flow(doc->'settings'->'flow');
SELECT count(*) FILTER (WHERE facesign.flow_is_valid(doc)) AS valid FROM hostile;
-- flow_errors on the million-node flow runs in its own session (tests/crash/flow_errors.sql):
-- its million problems as one JSON value take memory of their own, measured on their own.
SELECT sum(length(facesign.flow_errors(doc)::text)) AS error_text FROM hostile WHERE label <> 'flow of 1 000 000 nodes';
SELECT count(*) AS edges FROM hostile, LATERAL facesign.flow_edges(doc);
SELECT count(*) AS edges FROM hostile, LATERAL facesign.flow_edges(doc->'settings'->'flow');
SELECT count(*) AS node_outcomes FROM hostile, LATERAL facesign.node_outcomes(doc);
SELECT count(facesign.outcome(doc, 'liveness_detection')) AS outcomes FROM hostile;
SELECT count(*) AS phrases FROM hostile, LATERAL facesign.transcript(doc);
SELECT count((facesign.risk_signals(doc)).liveness) AS risk_signals FROM hostile;
SELECT count((facesign.session_summary(doc)).id) AS summaries FROM hostile;
-- What the export reads of each document, and each flow's fingerprint (deep flows included).
SELECT sum(length(facesign.export_rows(doc, true))) AS export_bytes FROM hostile;
SELECT count(facesign.flow_fingerprint(doc)) AS fingerprints FROM hostile;
SELECT count(facesign.flow_fingerprint(doc->'settings'->'flow')) AS fingerprints FROM hostile;
-- storage_refusal reasons without raising (assert_storable raises the same refusal by design).
SELECT count(facesign.storage_refusal(doc)) AS refusals FROM hostile;
-- merge_session: each document with itself, with a plain session, and with the next document
-- (by label) where their ids do not differ (two different ids are a clean error).
SELECT count(facesign.merge_session(doc, doc)) AS merged_with_itself FROM hostile;
SELECT count(facesign.merge_session(doc, '{"status": "complete", "report": {"transcript": [], "nodeReports": []}}')) AS merged_with_plain FROM hostile;
WITH numbered AS (
    SELECT row_number() OVER (ORDER BY label) AS n, doc, (facesign.session_summary(doc)).id FROM hostile)
SELECT count(facesign.merge_session(a.doc, b.doc)) AS merged_pairs
FROM numbered a JOIN numbered b ON b.n = a.n + 1
WHERE a.id IS NULL OR b.id IS NULL OR a.id = b.id;
-- redact_session, and a redacted document merged with itself and with the original.
SELECT sum(pg_column_size(facesign.redact_session(doc, '2026-01-01'))) AS redacted_bytes FROM hostile;
SELECT count(facesign.merge_session(facesign.redact_session(doc), doc)) AS merged_into_redacted FROM hostile;

SELECT 'contexts after: ' || sum(total_bytes) FROM pg_backend_memory_contexts;
\! grep -E '^(VmHWM|VmRSS):' /proc/$BACKEND_PID/status
