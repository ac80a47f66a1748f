-- risk_score and travel_finding: the toolkit's session rules in SQL, the config overrides,
-- and the reference schema's stored risk columns and review queue.
\set kyc `cat tests/sessions/complete-kyc-object-video.json`
\set deepfake `cat tests/sessions/complete-deepfake-array-video.json`
\set legacy `cat tests/sessions/incomplete-legacy-snake-case.json`

-- Each test session's score, band and reasons, largest first.
SELECT name, (r).score, (r).level, jsonb_pretty((r).reasons) AS reasons
FROM (VALUES ('kyc', facesign.risk_score(:'kyc')), ('deepfake', facesign.risk_score(:'deepfake')),
             ('legacy', facesign.risk_score(:'legacy'))) AS t(name, r)
ORDER BY name;

-- The points add up to the score.
SELECT (r).score = (SELECT coalesce(sum((x ->> 'points')::int), 0) FROM jsonb_array_elements((r).reasons) x) AS points_sum_to_score
FROM (VALUES (facesign.risk_score(:'kyc')), (facesign.risk_score(:'deepfake')), (facesign.risk_score(:'legacy'))) AS t(r);

-- A config: score.toml's sections and keys as JSON, laid over the defaults.
SELECT (facesign.risk_score(:'deepfake', '{"signals": {"deepfake": 20, "virtual_person": 0}, "bands": {"elevated": 10, "high": 90}}')).*;
SELECT (facesign.risk_score(:'deepfake', '{}')) = facesign.risk_score(:'deepfake') AS empty_config_is_the_default;

-- Unknown keys and wrong types are refused with 22023 and the key named.
\set VERBOSITY sqlstate
SELECT facesign.risk_score(:'kyc', '{"signals": {"deepfak": 80}}');
SELECT facesign.risk_score(:'kyc', '{"signal": {}}');
SELECT facesign.risk_score(:'kyc', '{"signals": {"deepfake": "high"}}');
SELECT facesign.risk_score(:'kyc', '[1]');
\set VERBOSITY default
SELECT facesign.risk_score(:'kyc', '{"signals": {"deepfak": 80}}');

-- Impossible travel: Berlin, then Sydney an hour later; a year later it is possible.
\set berlin '{"id": "a", "createdAt": 1760000000000, "report": {"location": {"city": {"names": {"en": "Berlin"}}, "country": {"isoCode": "DE"}, "location": {"latitude": 52.52, "longitude": 13.405, "accuracyRadius": 20}}}}'
\set sydney '{"id": "b", "createdAt": 1760003600000, "report": {"location": {"city": {"names": {"en": "Sydney"}}, "country": {"isoCode": "AU"}, "location": {"latitude": -33.87, "longitude": 151.21, "accuracyRadius": 50}}}}'
SELECT jsonb_pretty(facesign.travel_finding(:'berlin', :'sydney'));
SELECT facesign.travel_finding(:'berlin', jsonb_set(:'sydney', '{createdAt}', '1791536000000')) IS NULL AS a_year_later_is_possible;
SELECT facesign.travel_finding(:'berlin', '{"id": "c"}') IS NULL AS no_location_no_finding;
SELECT facesign.travel_finding(:'berlin', :'sydney', '{"impossible_travel": {"max_speed_kmh": 20000}}') IS NULL AS faster_planes;

-- The reference schema stores risk_score and risk_level from the document, for the queue
-- (in a schema of its own, beside the reference_schema test's table).
CREATE SCHEMA risk_queue;
SET search_path = risk_queue, public;
\set ECHO none
\i sql/sessions_table.sql
\set ECHO all
INSERT INTO sessions (session) VALUES (:'kyc'), (:'deepfake'), (:'legacy');
SELECT id, risk_score, risk_level FROM sessions ORDER BY id;
-- A writer cannot set them to anything else: the trigger writes the document's.
UPDATE sessions SET risk_score = 0, risk_level = 'normal', session = session WHERE risk_level = 'high';
SELECT id, risk_score, risk_level FROM sessions WHERE risk_level = 'high';
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM sessions WHERE risk_level = 'high' ORDER BY created_at DESC LIMIT 10;
RESET enable_seqscan;
-- Today's queue (sql/examples/high_risk_today.sql): the deepfake session, created now.
INSERT INTO sessions (session)
SELECT jsonb_set(jsonb_set(:'deepfake'::jsonb, '{id}', '"today"'), '{createdAt}',
                 to_jsonb((extract(epoch FROM now()) * 1000)::bigint));
\set queue `sed 's/;$//' sql/examples/high_risk_today.sql`
SELECT id, risk_score, left(reasons, 70) AS reasons FROM (:queue) AS queue;
RESET search_path;
DROP SCHEMA risk_queue CASCADE;
