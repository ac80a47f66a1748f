-- Sessions that ran a flow letting a failed liveness check through (a liveness_detection
-- failure outcome routed where its success outcome goes: validate_flow's
-- failure_joins_success), and how many of those the report calls a deepfake (the liveness
-- outcome, or the post-session deepfake analysis). Each distinct flow is validated once,
-- found by its fingerprint; one row per unsafe flow, then the total (flow_id NULL).
WITH session_flows AS (
  SELECT s.session, facesign.flow_fingerprint(s.session -> 'settings' -> 'flow') AS flow_id
  FROM sessions AS s
  WHERE jsonb_typeof(s.session -> 'settings' -> 'flow') = 'array'
), distinct_flows AS (
  SELECT DISTINCT ON (flow_id) flow_id, session -> 'settings' -> 'flow' AS flow
  FROM session_flows
  ORDER BY flow_id
), unsafe_flows AS (
  SELECT f.flow_id, count(*) AS failures_joining_success
  FROM distinct_flows AS f
  CROSS JOIN LATERAL facesign.validate_flow(f.flow) AS v
  WHERE v.code = 'failure_joins_success'
    AND f.flow -> split_part(v.path, '/', 2)::int ->> 'type' = 'liveness_detection'
  GROUP BY f.flow_id
)
SELECT u.flow_id,
       count(*) AS sessions,
       count(*) FILTER (WHERE r.liveness = 'deepfakeDetected' OR r.deepfake_verdict = 'manipulated')
         AS with_deepfake_verdict
FROM session_flows AS sf
JOIN unsafe_flows AS u USING (flow_id)
CROSS JOIN LATERAL facesign.risk_signals(sf.session) AS r
GROUP BY ROLLUP (u.flow_id)
ORDER BY u.flow_id NULLS LAST;
