-- Run on one node and on the coordinator of the sharded table holding the same sessions
-- (tests/shards/run.sh): every query's rows, in a fixed order, must be the same on both.
-- The example queries of sql/examples/ that read sessions, then every reader function, then
-- the reading views (on the coordinator, tables whose partitions are the shards' views).
\pset footer off
\echo sql/examples/verification_decision.sql
\i sql/examples/verification_decision.sql
\echo sql/examples/liveness_failure_rate_by_country.sql
\i sql/examples/liveness_failure_rate_by_country.sql
\echo sql/examples/transcript_search.sql
\i sql/examples/transcript_search.sql
\echo sql/examples/outcome_funnel.sql
\i sql/examples/outcome_funnel.sql

\echo session_summary, risk_signals, outcome, flow_fingerprint, storage_refusal, export_rows
SELECT id, facesign.session_summary(session), facesign.risk_signals(session),
       facesign.outcome(session, 'liveness_detection'), facesign.flow_fingerprint(session -> 'settings' -> 'flow'),
       facesign.storage_refusal(session), md5(facesign.export_rows(session, true))
FROM sessions ORDER BY id;
\echo node_outcomes
SELECT s.id, n.* FROM sessions AS s CROSS JOIN LATERAL facesign.node_outcomes(s.session) AS n ORDER BY s.id, n.ordinal;
\echo transcript
SELECT s.id, t.* FROM sessions AS s CROSS JOIN LATERAL facesign.transcript(s.session) AS t ORDER BY s.id, t.ordinal;
\echo flow_edges, validate_flow
SELECT s.id, e.* FROM sessions AS s
CROSS JOIN LATERAL facesign.flow_edges(s.session -> 'settings' -> 'flow') WITH ORDINALITY AS e
ORDER BY s.id, e.ordinality;
SELECT s.id, v.* FROM sessions AS s
CROSS JOIN LATERAL facesign.validate_flow(s.session -> 'settings' -> 'flow') AS v
WHERE jsonb_typeof(s.session -> 'settings' -> 'flow') = 'array'
ORDER BY s.id, v.severity, v.code, v.path, v.node_id;
\echo the key columns and the whole documents
SELECT id, status, created_at, client_reference_id, md5(session::text) FROM sessions ORDER BY id;

\echo session_risk_signals
SELECT * FROM session_risk_signals ORDER BY session_id;
\echo session_node_outcomes
SELECT * FROM session_node_outcomes ORDER BY session_id, ordinal;
\echo session_transcript
SELECT * FROM session_transcript ORDER BY session_id, ordinal;
\echo liveness failure rate by country, read on the shards
SELECT country, count(*) AS liveness_checks,
       count(*) FILTER (WHERE liveness <> 'livenessDetected') AS failed
FROM session_risk_signals WHERE liveness IS NOT NULL GROUP BY country ORDER BY country;
