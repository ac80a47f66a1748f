-- Which stored flows have problems, and what are they? (errors first, then warnings)
SELECT f.flow_id, v.severity, v.code, v.path, v.message
FROM flows AS f
CROSS JOIN LATERAL facesign.validate_flow(f.flow) AS v
ORDER BY f.flow_id, v.severity, v.path;
