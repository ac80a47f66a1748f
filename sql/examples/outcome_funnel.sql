-- The outcome funnel of each flow: for every edge of the flow graph, how many sessions took
-- it. A node's drop-off is the sessions that reached it minus those that left by an edge.
-- Conversation and data_validation reports name the next node as their outcome, fixed-outcome
-- nodes the outcome key, so an edge matches either. The start node writes no report: its
-- one edge counts every session that ran the flow. A flow is one flow_fingerprint: the same
-- flow version whatever its key order or whitespace (the export's flow_id).
WITH flows AS (                       -- each distinct flow once
    SELECT DISTINCT ON (flow_key) flow_key, flow
    FROM (SELECT facesign.flow_fingerprint(session -> 'settings' -> 'flow') AS flow_key,
                 session -> 'settings' -> 'flow' AS flow
          FROM sessions
          WHERE jsonb_typeof(session -> 'settings' -> 'flow') = 'array') AS f
),
edges AS (
    SELECT f.flow_key, e.source, e.outcome, e.target
    FROM flows AS f CROSS JOIN LATERAL facesign.flow_edges(f.flow) AS e
),
started AS (
    SELECT facesign.flow_fingerprint(session -> 'settings' -> 'flow') AS flow_key, count(*) AS sessions
    FROM sessions GROUP BY 1
),
taken AS (                            -- what each session's node reports say it did
    SELECT facesign.flow_fingerprint(s.session -> 'settings' -> 'flow') AS flow_key, n.node_id, n.outcome,
           count(*) AS sessions
    FROM sessions AS s CROSS JOIN LATERAL facesign.node_outcomes(s.session) AS n
    GROUP BY 1, 2, 3
)
SELECT left(e.flow_key, 8) AS flow, e.source AS node, e.outcome, e.target,
       CASE WHEN e.outcome IS NULL THEN max(st.sessions)
            ELSE coalesce(sum(t.sessions), 0) END AS sessions
FROM edges AS e
JOIN started AS st ON st.flow_key = e.flow_key
LEFT JOIN taken AS t
       ON t.flow_key = e.flow_key AND t.node_id = e.source
      AND (t.outcome = e.outcome OR t.outcome = e.target)
GROUP BY e.flow_key, e.source, e.outcome, e.target
ORDER BY flow, node, sessions DESC, e.outcome;
