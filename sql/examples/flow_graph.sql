-- Each flow as a graph: how many edges leave each node, and where they lead.
SELECT f.flow_id, e.source, count(*) AS outcomes, string_agg(DISTINCT e.target, ', ') AS leads_to
FROM flows AS f
CROSS JOIN LATERAL facesign.flow_edges(f.flow) AS e
GROUP BY f.flow_id, e.source
ORDER BY f.flow_id, e.source;
