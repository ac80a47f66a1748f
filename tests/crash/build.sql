-- The hostile documents of the crash test, built inside the server (so no client sends
-- 100 MB) into table hostile; tests/crash/hostile.sql then runs every function on them in a
-- fresh session, so that its memory is the functions' own.
\set ON_ERROR_STOP 1
DROP TABLE IF EXISTS hostile;
CREATE TABLE hostile (label text, doc jsonb);

-- Nesting 100 000 deep: PostgreSQL's own JSON parser recurses, so it needs a deep stack to
-- build these (the test cluster runs with a 64 MB stack limit; see scripts/common.sh).
SET max_stack_depth = '60MB';
INSERT INTO hostile SELECT 'arrays nested 100000 deep', (repeat('[', 100000) || repeat(']', 100000))::jsonb;
INSERT INTO hostile SELECT 'objects nested 100000 deep', (repeat('{"a":', 100000) || '1' || repeat('}', 100000))::jsonb;
INSERT INTO hostile SELECT 'report nested 100000 deep', ('{"report": {"nodeReports": ' || repeat('[{"type": ', 100000) || '1' || repeat('}]', 100000) || '}}')::jsonb;
INSERT INTO hostile SELECT 'flow nested 100000 deep', ('[{"id": "s", "type": "start", "outcome": ' || repeat('[', 100000) || repeat(']', 100000) || '}]')::jsonb;
RESET max_stack_depth;
INSERT INTO hostile SELECT 'array of 100 MB', jsonb_build_object('report', jsonb_build_object(
  'transcript', (SELECT jsonb_agg(jsonb_build_object('text', 'x', 'isAvatar', true)) FROM generate_series(1, 2500000)),
  'nodeReports', (SELECT jsonb_agg(g) FROM generate_series(1, 2500000) g)));
INSERT INTO hostile SELECT 'flow of 1 000 000 nodes', (SELECT jsonb_agg(jsonb_build_object('id', 'n' || g, 'type',
  CASE WHEN g = 1 THEN 'start' ELSE 'conversation' END, 'outcome', 'n2', 'prompt', 'Say: hi',
  'outcomes', jsonb_build_array(jsonb_build_object('id', 'o' || g, 'condition', 'c', 'targetNodeId', 'n' || (g % 1000000 + 1)))))
  FROM generate_series(1, 1000000) g);
INSERT INTO hostile SELECT 'keys of 1 MB', jsonb_build_object(repeat('k', 1000000), 1, 'report',
  jsonb_build_object(repeat('r', 1000000), repeat('v', 1000000), 'nodeReports',
  jsonb_build_array(jsonb_build_object(repeat('n', 1000000), 1, 'type', repeat('t', 1000000)))));
INSERT INTO hostile SELECT 'flow with 1 MB ids', jsonb_build_array(jsonb_build_object('id', repeat('s', 1000000), 'type', 'start', 'outcome', repeat('e', 1000000)),
  jsonb_build_object('id', repeat('e', 1000000), 'type', 'end'));
INSERT INTO hostile SELECT 'numbers beyond f64', jsonb_build_object('createdAt', '1e400'::jsonb, 'report', jsonb_build_object(
  'location', jsonb_build_object('latitude', '-1e999'::jsonb, 'longitude', ('9' || repeat('9', 1000))::jsonb, 'accuracyRadius', '1e308'::jsonb),
  'aiAnalysis', jsonb_build_object('ageMin', '1e20'::jsonb, 'ageMax', '-1e20'::jsonb, 'faceSimilarity', '1e-400'::jsonb),
  'nodeReports', jsonb_build_array(jsonb_build_object('type', 'liveness_detection', 'createdAt', '1e300'::jsonb))));
-- Every JSON type in every field the readers look at.
INSERT INTO hostile
SELECT 'type ' || jsonb_typeof(v) || ' at ' || p, jsonb_set(base, p::text[], v, true)
FROM (VALUES ('{"id": "x", "status": "complete", "createdAt": 1, "settings": {"clientReferenceId": "u", "flow": [{"id": "s", "type": "start", "outcome": "e"}, {"id": "e", "type": "end"}]},
               "report": {"transcript": [{"text": "t", "isAvatar": true, "createdAt": 1}], "nodeReports": [{"id": "n", "type": "liveness_detection", "outcome": "livenessDetected", "createdAt": 1}],
                          "aiAnalysis": {"ageMin": 1, "ageMax": 2, "sex": "m", "realPerson": "real"}, "videoAIAnalysis": {"status": "completed"},
                          "location": {"country": "DE", "latitude": 1, "longitude": 2, "accuracyRadius": 5, "anonymizer": {"isVpn": false}}, "device": {"browser": "b", "isMobile": false}}}'::jsonb)) AS b(base),
     unnest(ARRAY['{id}', '{status}', '{createdAt}', '{settings}', '{settings,clientReferenceId}', '{settings,flow}', '{settings,flow,0}', '{settings,flow,0,outcome}',
                  '{report}', '{report,transcript}', '{report,transcript,0}', '{report,transcript,0,text}', '{report,transcript,0,isAvatar}',
                  '{report,nodeReports}', '{report,nodeReports,0}', '{report,nodeReports,0,type}', '{report,nodeReports,0,outcome}', '{report,nodeReports,0,createdAt}',
                  '{report,aiAnalysis}', '{report,aiAnalysis,ageMin}', '{report,aiAnalysis,sex}', '{report,videoAIAnalysis}', '{report,location}',
                  '{report,location,latitude}', '{report,location,anonymizer}', '{report,device}', '{report,device,isMobile}']) AS p,
     unnest(ARRAY['null', 'true', '-1.5e300', '"s"', '[]', '{}', '[null, 1, "x", {}]', '{"a": [1, {"b": null}]}']::jsonb[]) AS v;

SELECT label, pg_column_size(doc) AS bytes FROM hostile ORDER BY bytes DESC LIMIT 8;
SELECT 'largest document: ' || max(length(doc::text)) FROM hostile;
