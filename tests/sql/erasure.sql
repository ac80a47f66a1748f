-- Personal data: facesign.redact_session, a redaction as final in every arrival order of a
-- session's fetches, erase_user and erase_sessions_before with the erasures they record
-- (a session erased and sent again is stored redacted), and the roles of sql/roles.sql,
-- connecting as a member of each.
\set kyc `cat tests/sessions/complete-kyc-object-video.json`
SET TimeZone = 'UTC';
CREATE SCHEMA erasure_test;
SET search_path = erasure_test, public;
SET client_min_messages = warning;
\set ECHO none
\i sql/sessions_table.sql
\i sql/roles.sql
\set ECHO all
RESET client_min_messages;

-- What goes and what stays.
SELECT r -> 'settings' ? 'providedData' AS provided_data,
       (SELECT count(*) FROM jsonb_array_elements(r #> '{report,transcript}') AS p WHERE p ? 'text') AS phrases_with_text,
       jsonb_array_length(r #> '{report,transcript}') AS phrases,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(r #> '{report,location}') AS k) AS location_keys,
       r #> '{report,location,location}' AS location_kept,
       r -> 'redaction' AS marker,
       r -> 'id' = :'kyc'::jsonb -> 'id' AND r -> 'status' = :'kyc'::jsonb -> 'status' AS id_and_status_kept
FROM (SELECT facesign.redact_session(:'kyc', '2025-12-01 00:00+00') AS r) AS redacted;
SELECT n ->> 'type' AS node_type, n ->> 'outcome' AS outcome, n ? 'report' AS report, n ? 'email' AS email
FROM jsonb_array_elements(facesign.redact_session(:'kyc') #> '{report,nodeReports}') AS n;
-- None of the provided values nor what the user said is left anywhere in the document (the
-- avatar's phrases are the flow's prompts, which stay in settings.flow).
SELECT v AS personal_value, strpos(facesign.redact_session(:'kyc')::text, v) AS found_at
FROM unnest(ARRAY['Lena Vogel', 'lena@example.com', 's3://bucket/lena.jpg',
                  (SELECT p ->> 'text' FROM jsonb_array_elements(:'kyc'::jsonb #> '{report,transcript}') AS p
                   WHERE p -> 'isAvatar' = 'false' LIMIT 1)]) AS v;
-- The signals a redacted session still gives: the country and the verdicts, not the city.
SELECT country, city, latitude, accuracy_radius_km, liveness, deepfake_verdict, sex, age_min
FROM facesign.risk_signals(facesign.redact_session(:'kyc'));
-- Redacting again keeps the first time; an infinite time is refused.
SELECT facesign.redact_session(facesign.redact_session(:'kyc', '2025-12-01'), '2026-06-01') -> 'redaction' AS first_time_kept;
\set VERBOSITY terse
SELECT facesign.redact_session(:'kyc', 'infinity');
\echo :SQLSTATE
\set VERBOSITY default

-- Every arrival order of the five fetches, redacted after the 1st, 2nd, … 5th arrived: the
-- result is always the redacted complete session (the late node reports and video verdicts
-- merged in, the personal data never back).
\set ECHO none
\i tests/sql/include/kyc_snapshots.sql
\set ECHO all
WITH RECURSIVE orders(o) AS (
    SELECT ARRAY[n] FROM snapshots
    UNION ALL
    SELECT o || s.n FROM orders JOIN snapshots AS s ON s.n <> ALL (o)
), folded(o, redacted_after, step, stored) AS (
    SELECT o, p, 0, NULL::jsonb FROM orders CROSS JOIN generate_series(1, 5) AS p WHERE cardinality(o) = 5
    UNION ALL
    SELECT f.o, f.redacted_after, f.step + 1,
           CASE WHEN f.step + 1 = f.redacted_after
                THEN facesign.redact_session(facesign.merge_session(f.stored, s.doc), '2025-12-01')
                ELSE facesign.merge_session(f.stored, s.doc) END
    FROM folded AS f JOIN snapshots AS s ON s.n = f.o[f.step + 1]
    WHERE f.step < 5
)
SELECT count(*) AS runs, count(DISTINCT stored) AS distinct_results,
       bool_and(stored = facesign.redact_session(:'kyc', '2025-12-01')) AS all_the_redacted_complete_session,
       bool_and(jsonb_array_length(stored #> '{report,nodeReports}') = 13 AND stored #> '{report,videoAIAnalysis}' IS NOT NULL)
         AS late_fields_merged,
       bool_or(strpos(stored::text, 'Lena Vogel') > 0 OR strpos(stored::text, 'lena@example.com') > 0) AS any_personal_value
FROM folded WHERE step = 5;

-- erase_user: every stored session of the user redacted and recorded.
SELECT upsert_session(jsonb_set(jsonb_set(:'kyc', '{id}', to_jsonb('user-' || i)), '{settings,clientReferenceId}',
                                to_jsonb(CASE WHEN i <= 3 THEN 'erase-me' ELSE 'keep-me' END))) AS outcome, count(*)
FROM generate_series(1, 5) AS i GROUP BY 1;
SELECT erase_user('erase-me') AS redacted, erase_user('erase-me') AS again, erase_user('nobody') AS nobody;
SELECT client_reference_id, count(*) AS sessions, count(*) FILTER (WHERE session ? 'redaction') AS redacted,
       count(*) FILTER (WHERE session #> '{settings,providedData}' IS NOT NULL) AS with_provided_data
FROM sessions GROUP BY 1 ORDER BY 1;
SELECT session_id, created_before, reason FROM erasures ORDER BY session_id;
-- A late fetch of an erased session is merged in redacted: nothing comes back.
SELECT upsert_session(jsonb_set(jsonb_set(:'kyc', '{id}', '"user-1"'), '{settings,clientReferenceId}', '"erase-me"')) AS late_fetch;
SELECT session #> '{settings,providedData}' IS NULL AS still_erased FROM sessions WHERE id = 'user-1';
-- Deleted, then sent again: erasures remembers it, so it is stored redacted.
DELETE FROM sessions WHERE id = 'user-2';
SELECT upsert_session(jsonb_set(jsonb_set(:'kyc', '{id}', '"user-2"'), '{settings,clientReferenceId}', '"erase-me"')) AS sent_again;
SELECT session ? 'redaction' AS redacted, session #> '{settings,providedData}' IS NULL AS no_provided_data
FROM sessions WHERE id = 'user-2';

-- Retention: sessions created before the horizon redacted, and the horizon recorded.
\set VERBOSITY terse
SELECT erase_sessions_before('2999-01-01');
\echo :SQLSTATE
\set VERBOSITY default
SELECT upsert_session(jsonb_build_object('id', 'old-1', 'status', 'complete', 'createdAt', 1500000000000,
                                         'settings', jsonb_build_object('providedData', jsonb_build_object('name', 'Old Person')))) AS old;
SELECT erase_sessions_before('2020-01-01') AS redacted;
SELECT upsert_session(jsonb_build_object('id', 'old-2', 'status', 'complete', 'createdAt', 1500000000000,
                                         'settings', jsonb_build_object('providedData', jsonb_build_object('name', 'Old Person')))) AS older_than_the_horizon;
SELECT id, session #> '{settings,providedData}' AS provided_data, session ? 'redaction' AS redacted
FROM sessions WHERE id LIKE 'old-%' ORDER BY id;

-- Least privilege, connecting as a member of each role.
CREATE ROLE erasure_test_alice LOGIN IN ROLE facesign_analyst;
CREATE ROLE erasure_test_bob LOGIN IN ROLE facesign_writer;
GRANT USAGE ON SCHEMA erasure_test TO facesign_analyst, facesign_writer;
\c - erasure_test_alice
SET search_path = erasure_test, public;
\set VERBOSITY terse
SELECT session FROM sessions LIMIT 1;
SELECT erase_user('keep-me');
\set VERBOSITY default
SELECT id, country, city, latitude, liveness FROM sessions_for_analysts WHERE id LIKE 'user-%' ORDER BY id;
SELECT count(*) AS node_outcomes FROM node_outcomes_for_analysts;
\c - erasure_test_bob
SET search_path = erasure_test, public;
SELECT upsert_session(jsonb_set(:'kyc', '{id}', '"bob-1"')) AS writer_stores;
\set VERBOSITY terse
SELECT erase_user('keep-me');
\set VERBOSITY default
\c - postgres
SET client_min_messages = warning;
DROP SCHEMA erasure_test CASCADE;
DROP OWNED BY erasure_test_alice, erasure_test_bob;
DROP ROLE erasure_test_alice, erasure_test_bob;
REVOKE USAGE ON SCHEMA facesign FROM facesign_writer, facesign_analyst;
