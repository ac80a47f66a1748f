-- Today's high-risk sessions (UTC), newest first, with the reasons for each score: the
-- review queue the index sessions_review_queue serves. risk_score and risk_level are stored
-- by the table's trigger; the reasons are read again from the document, with the same rules.
SELECT s.id, s.created_at, s.client_reference_id, s.risk_score,
       string_agg(format('%s %s (%s)', reason ->> 'code', reason ->> 'points', reason ->> 'evidence'),
                  '; ' ORDER BY ordinal) AS reasons
FROM sessions AS s
CROSS JOIN LATERAL jsonb_array_elements((facesign.risk_score(s.session)).reasons) WITH ORDINALITY AS r(reason, ordinal)
WHERE s.risk_level = 'high'
  AND s.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
GROUP BY s.id, s.created_at, s.client_reference_id, s.risk_score
ORDER BY s.created_at DESC, s.id
LIMIT 100;
