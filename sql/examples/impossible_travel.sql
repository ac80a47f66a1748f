-- Impossible travel in SQL: each located session against the same user's previous located
-- one (LAG over creation time, ties by id as the toolkit orders them), by the rule and
-- thresholds of facesign-analytics score's impossible_travel detector; the same pairs, km and
-- km/h the batch finds.
SELECT id, client_reference_id, created_at,
       f ->> 'previous_session_id' AS previous_session_id,
       round((f ->> 'km')::numeric) AS km,
       round((f ->> 'kmh')::numeric) AS kmh,
       f ->> 'severity' AS severity,
       f ->> 'summary' AS summary
FROM (
    SELECT id, client_reference_id, created_at,
           facesign.travel_finding(lag(session) OVER user_history, session) AS f
    FROM sessions
    WHERE created_at IS NOT NULL
      AND (facesign.risk_signals(session)).latitude IS NOT NULL
      AND (facesign.risk_signals(session)).longitude IS NOT NULL
    WINDOW user_history AS (PARTITION BY client_reference_id ORDER BY created_at, id COLLATE "C")
) AS pairs
WHERE f IS NOT NULL
ORDER BY created_at DESC, id
LIMIT 100;
