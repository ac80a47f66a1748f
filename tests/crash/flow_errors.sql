-- flow_errors on a flow of a million nodes, each with a problem: the result is one jsonb array
-- of a million objects (230 MB as text). Run alone, so its memory is measured alone.
\set ON_ERROR_STOP 1
SELECT pg_backend_pid() AS backend_pid \gset
\setenv BACKEND_PID :backend_pid
CREATE TEMP TABLE big AS SELECT (SELECT jsonb_agg(jsonb_build_object('id', 'n' || g, 'type',
  CASE WHEN g = 1 THEN 'start' ELSE 'conversation' END, 'outcome', 'n2', 'prompt', 'Say: hi',
  'outcomes', jsonb_build_array(jsonb_build_object('id', 'o' || g, 'condition', 'c', 'targetNodeId', 'n' || (g % 1000000 + 1)))))
  FROM generate_series(1, 1000000) g) AS doc;
SELECT 'largest document: ' || length(doc::text) FROM big;
-- Building the flow above (jsonb_agg's tree, the text) is PostgreSQL's own memory: reset the
-- backend's peak RSS (Linux: 5 > clear_refs) so what follows measures flow_errors alone.
\! grep -E '^VmHWM:' /proc/$BACKEND_PID/status | sed 's/^/after building the flow: /'
\! echo 5 > /proc/$BACKEND_PID/clear_refs
SELECT 'problems: ' || jsonb_array_length(facesign.flow_errors(doc)) FROM big;
\! grep -E '^(VmHWM|VmRSS):' /proc/$BACKEND_PID/status
