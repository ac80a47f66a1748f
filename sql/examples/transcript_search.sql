-- Find what was said: every phrase mentioning a document, with who said it and when.
SELECT s.id, t.ordinal, t.speaker, t.created_at, t.text
FROM sessions AS s
CROSS JOIN LATERAL facesign.transcript(s.session) AS t
WHERE t.text ILIKE '%document%'
ORDER BY s.id, t.ordinal;
