-- Share of liveness checks that did not detect a live person, by GeoIP country.
SELECT r.country,
       count(*) AS liveness_checks,
       count(*) FILTER (WHERE r.liveness <> 'livenessDetected') AS failed,
       round(100.0 * count(*) FILTER (WHERE r.liveness <> 'livenessDetected') / count(*), 1) AS failed_pct
FROM sessions AS s
CROSS JOIN LATERAL facesign.risk_signals(s.session) AS r
WHERE r.liveness IS NOT NULL
GROUP BY r.country
ORDER BY failed_pct DESC, r.country;
