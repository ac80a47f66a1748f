-- After the race: every session stored once, equal to the merge of all its snapshots.
SELECT (SELECT sum(next) FROM arrival_position) AS arrivals_taken,
       count(*) AS sessions,
       count(*) FILTER (WHERE s.session = m.merged) AS equal_to_the_merge,
       count(*) FILTER (WHERE s.session IS NULL) AS missing,
       (SELECT count(*) - count(DISTINCT id) FROM sessions WHERE id LIKE 'race-%') AS duplicates
FROM (SELECT session_id, merge_all(doc ORDER BY k) AS merged FROM arrivals GROUP BY 1) AS m
LEFT JOIN sessions AS s ON s.id = m.session_id;
