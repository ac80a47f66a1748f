-- fetches_of(session): five fetches of one session, as GET /sessions/{id} returns them over
-- time, from the complete session given (n = 5) back to the one just created (n = 1):
--   4 complete with nodeReports (the video analysis still pending),
--   3 complete without nodeReports (the deepfake detection pending too),
--   2 inProgress (two phrases of the transcript, no node reports),
--   1 created.
-- Merged in any order, they give the complete session back. Used by tests/sql/ (through
-- kyc_snapshots.sql) and by tests/shards/, in a schema of their own on the search_path.
CREATE FUNCTION fetches_of(complete jsonb) RETURNS TABLE (n int, name text, doc jsonb)
LANGUAGE sql IMMUTABLE AS $$
    WITH f5 AS (SELECT complete AS doc),
    f4 AS (SELECT jsonb_set(doc #- '{report,videoAIAnalysis}', '{report,videoAIAnalysisStatus}', '"pending"') AS doc FROM f5),
    f3 AS (SELECT jsonb_set(jsonb_set(doc #- '{report,deepfakeDetection}', '{report,nodeReports}', '[]'),
                            '{report,deepfakeDetectionStatus}', '{"state": "pending"}') AS doc FROM f4),
    f2 AS (SELECT jsonb_set(jsonb_set(doc - 'finishedAt', '{status}', '"inProgress"'), '{report}',
                            jsonb_build_object(
                                'transcript', jsonb_path_query_array(doc, '$.report.transcript[0 to 1]'),
                                'lang', doc #> '{report,lang}', 'nodeReports', '[]'::jsonb,
                                'location', doc #> '{report,location}', 'device', doc #> '{report,device}')) AS doc FROM f3),
    f1 AS (SELECT jsonb_set(jsonb_set(doc - 'startedAt', '{status}', '"created"'), '{report}',
                            jsonb_build_object('transcript', '[]'::jsonb, 'lang', coalesce(doc #> '{report,lang}', '"en"'),
                                               'nodeReports', '[]'::jsonb)) AS doc FROM f2)
    SELECT 5, 'with videoAIAnalysis', doc FROM f5
    UNION ALL SELECT 4, 'complete with nodeReports', doc FROM f4
    UNION ALL SELECT 3, 'complete without nodeReports', doc FROM f3
    UNION ALL SELECT 2, 'inProgress', doc FROM f2
    UNION ALL SELECT 1, 'created', doc FROM f1
$$;
