-- The reference schema partitioned by month (sql/sessions_partitioned.sql): its columns,
-- upsert_session in every arrival order across a month boundary, the triggers, what a plain
-- INSERT may do, retention dropping one month and nothing else; then the same table with
-- pg_partman making and dropping the months.
\set kyc `cat tests/sessions/complete-kyc-object-video.json`
SET TimeZone = 'UTC';
CREATE SCHEMA single_test;
CREATE SCHEMA partitioned_test;
SET client_min_messages = warning;
\set ECHO none
SET search_path = single_test, public;
\i sql/sessions_table.sql
SET search_path = partitioned_test, public;
\i sql/sessions_partitioned.sql
\set ECHO all
RESET client_min_messages;

-- The same columns as the single table, in the same order, created_at NOT NULL (the
-- partition key), and the key (id, created_at).
SELECT s.attname, format_type(s.atttypid, s.atttypmod) AS type, s.attnotnull AS single_not_null,
       p.attnotnull AS partitioned_not_null
FROM pg_attribute AS s
FULL JOIN (SELECT * FROM pg_attribute WHERE attrelid = 'partitioned_test.sessions'::regclass AND attnum > 0) AS p
       ON p.attnum = s.attnum AND p.attname = s.attname AND p.atttypid = s.atttypid
WHERE s.attrelid = 'single_test.sessions'::regclass AND s.attnum > 0
ORDER BY s.attnum;
SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
WHERE conrelid = 'partitioned_test.sessions'::regclass AND contype IN ('p', 'u') ORDER BY conname;
SELECT count(*) AS constraints_like_the_single_table FROM pg_constraint AS p
JOIN pg_constraint AS s ON s.conname = p.conname AND s.conrelid = 'single_test.sessions'::regclass
                       AND pg_get_constraintdef(s.oid) = pg_get_constraintdef(p.oid)
WHERE p.conrelid = 'partitioned_test.sessions'::regclass AND p.contype = 'c';
SELECT tgname FROM pg_trigger WHERE tgrelid = 'partitioned_test.sessions'::regclass ORDER BY tgname;

-- Applying the file made this month and the next three, and the default partition.
SELECT count(*) FILTER (WHERE c.relname = 'sessions_default') AS default_partition,
       array_agg(c.relname::text ORDER BY c.relname) FILTER (WHERE c.relname <> 'sessions_default')
         = ARRAY(SELECT (sessions_month_of(now() + make_interval(months => m))).partition_name
                 FROM generate_series(0, 3) AS m ORDER BY 1) AS this_month_and_three_ahead
FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
WHERE i.inhparent = 'sessions'::regclass;
-- Applied again, it changes nothing.
SET client_min_messages = warning;
\set ECHO none
\i sql/sessions_partitioned.sql
\set ECHO all
RESET client_min_messages;
SELECT count(*) AS partitions FROM pg_inherits WHERE inhparent = 'sessions'::regclass;

-- The months around a boundary, as a DBA makes them for history: January and February 2026.
SELECT sessions_create_month('2026-01-31 23:59:59.999+00') AS january,
       sessions_create_month('2026-02-01 00:00:00+00') AS february,
       sessions_create_month('2026-02-14 12:00:00+00') IS NULL AS february_exists;

-- Five fetches of one session, every order of them, for two sessions: one created in the
-- last millisecond of January, one in the first of February.
\i tests/sql/include/kyc_snapshots.sql
CREATE TABLE boundary (name text, created_ms bigint);
INSERT INTO boundary VALUES ('jan', 1769903999999), ('feb', 1769904000000);
SELECT b.name, upsert_session(jsonb_set(jsonb_set(s.doc, '{id}', to_jsonb(b.name || '-' || array_to_string(e.o, ''))),
                                        '{createdAt}', to_jsonb(b.created_ms))) AS outcome, count(*)
FROM boundary AS b CROSS JOIN every_order AS e CROSS JOIN LATERAL unnest(e.o) WITH ORDINALITY AS step(n, i)
JOIN snapshots AS s USING (n)
GROUP BY 1, 2 ORDER BY 1, 2;
-- Each session in its month's partition, once, equal to the complete snapshot, its key
-- columns those of the document.
SELECT tableoid::regclass AS partition_name, count(*) AS sessions, count(DISTINCT id) AS ids,
       min(created_at) AS first, max(created_at) AS last,
       bool_and(session - 'id' - 'createdAt' = :'kyc'::jsonb - 'id' - 'createdAt') AS all_complete_with_everything,
       bool_and(status = 'complete' AND client_reference_id = (facesign.session_summary(session)).client_reference_id) AS keys_agree
FROM sessions GROUP BY 1 ORDER BY 1;

-- The triggers work on every partition: a status never moves backwards, and a fetch that
-- adds nothing leaves the row (and updated_at) alone.
\set VERBOSITY terse
UPDATE sessions SET session = jsonb_set(session, '{status}', '"inProgress"') WHERE id = 'feb-12345';
\set VERBOSITY default
SELECT updated_at AS before FROM sessions WHERE id = 'jan-54321' \gset
SELECT upsert_session(jsonb_set(jsonb_set(doc, '{id}', '"jan-54321"'), '{createdAt}', '1769903999999')) AS outcome
FROM snapshots WHERE n = 2;
SELECT updated_at = :'before' AS untouched FROM sessions WHERE id = 'jan-54321';
-- A plain UPDATE of the document keeps the key columns equal to it.
UPDATE sessions SET session = jsonb_set(session, '{settings,clientReferenceId}', '"someone-else"') WHERE id = 'feb-12345';
SELECT id, client_reference_id, (facesign.session_summary(session)).client_reference_id AS in_the_document
FROM sessions WHERE id = 'feb-12345';

-- A plain INSERT must give created_at (the partition key); upsert_session reads it from the
-- document. Without createdAt a session cannot be stored here.
\set VERBOSITY terse
INSERT INTO sessions (session) VALUES ('{"id": "plain", "status": "created", "createdAt": 1769904000000}');
\echo :SQLSTATE
INSERT INTO sessions (session, created_at) VALUES ('{"id": "plain", "status": "created", "createdAt": 1769904000000}', '2026-01-01');
\echo :SQLSTATE
SELECT upsert_session('{"id": "no-created-at", "status": "created"}');
\echo :SQLSTATE
-- The CHECK refuses key columns that disagree with the document, whoever writes them.
ALTER TABLE sessions DISABLE TRIGGER sessions_keys_from_document;
INSERT INTO sessions (session, id, status, created_at)
VALUES ('{"id": "liar", "status": "created", "createdAt": 1769904000000}', 'liar', 'complete', '2026-02-01');
\echo :SQLSTATE
ALTER TABLE sessions ENABLE TRIGGER sessions_keys_from_document;
\set VERBOSITY default
INSERT INTO sessions (session, created_at) VALUES ('{"id": "plain", "status": "created", "createdAt": 1769904000000}', '2026-02-01');
SELECT tableoid::regclass AS partition_name, id, status, created_at FROM sessions WHERE id = 'plain';

-- A session of a month without a partition waits in sessions_default; making its month
-- moves it there, updated_at unchanged.
SELECT upsert_session('{"id": "early", "status": "created", "createdAt": 1700000000000}') AS outcome;
SELECT tableoid::regclass AS partition_name, updated_at AS early_updated_at FROM sessions WHERE id = 'early' \gset
\echo :partition_name
SELECT sessions_create_month('2023-11-14') AS made;
SELECT tableoid::regclass AS partition_name, updated_at = :'early_updated_at' AS updated_at_kept,
       (SELECT count(*) FROM sessions_default) AS left_in_default
FROM sessions WHERE id = 'early';

-- Retention: two older months; keeping 2 months as of 2026-01-15 drops every month that
-- ended before 2025-11-01 (October 2025 and November 2023) and nothing else.
SELECT sessions_create_month('2025-10-10') AS october, sessions_create_month('2025-11-10') AS november;
SELECT upsert_session(jsonb_build_object('id', 'old-' || i, 'status', 'complete',
                                         'createdAt', extract(epoch FROM t) * 1000)) AS outcome, count(*)
FROM (VALUES (1, timestamptz '2025-10-31 23:59:59.999+00'), (2, '2025-11-01 00:00:00+00'),
             (3, '2025-11-30 12:00:00+00')) AS v(i, t)
GROUP BY 1;
SELECT tableoid::regclass AS partition_name, count(*) FROM sessions GROUP BY 1 ORDER BY 1;
SELECT * FROM sessions_maintain(ahead => 0, keep => interval '2 months', as_of => '2026-01-15');
SELECT tableoid::regclass AS partition_name, count(*) FROM sessions GROUP BY 1 ORDER BY 1;
SELECT to_regclass('sessions_p2025_10') IS NULL AS october_dropped, to_regclass('sessions_p2025_11') IS NOT NULL AS november_kept;
-- What the dropped months held counts as erased: a session of them sent again is stored redacted.
SELECT created_before, reason FROM erasures;
SELECT upsert_session('{"id": "old-1", "status": "complete", "createdAt": 1761955199999,
                        "settings": {"providedData": {"name": "Old Person"}}}') AS sent_again;
SELECT tableoid::regclass AS partition_name, session #> '{settings,providedData}' AS provided_data,
       session ? 'redaction' AS redacted FROM sessions WHERE id = 'old-1';
-- Maintenance as of a later day makes the months ahead of it, and a second run nothing.
SELECT * FROM sessions_maintain(ahead => 1, as_of => '2026-02-20');
SELECT count(*) AS nothing_more FROM sessions_maintain(ahead => 1, as_of => '2026-02-20');
\set VERBOSITY terse
SELECT * FROM sessions_maintain(ahead => -1);
\set VERBOSITY default

-- pg_partman (4.x, installed by the scripts) making the months instead: the same table,
-- months named and bounded the same way, upsert_session across them, retention by
-- partman.run_maintenance.
CREATE SCHEMA partman_test;
SET search_path = partman_test, public;
SET client_min_messages = warning;
\set ECHO none
SET facesign.partman = on;
\i sql/sessions_partitioned.sql
RESET facesign.partman;
\set ECHO all
RESET client_min_messages;
SELECT parent_table, control, partition_interval, premake FROM partman.part_config WHERE parent_table = 'partman_test.sessions';
SELECT bool_and(c.relname ~ '^sessions_(p[0-9]{4}_[0-9]{2}|default)$') AS named_like_ours,
       bool_or(c.relname = (sessions_month_of(now())).partition_name) AS has_this_month,
       bool_or(c.relname = (sessions_month_of(now() + interval '3 months')).partition_name) AS has_three_ahead,
       bool_and(c.relname = 'sessions_default' OR pg_get_expr(c.relpartbound, c.oid) =
                format('FOR VALUES FROM (%L) TO (%L)', m.lo, m.hi)) AS bounded_like_ours
FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
CROSS JOIN LATERAL sessions_month_of(CASE WHEN c.relname <> 'sessions_default'
                                           THEN to_date(substr(c.relname, 11), 'YYYY_MM')::timestamp AT TIME ZONE 'UTC' END) AS m
WHERE i.inhparent = 'sessions'::regclass;
SELECT upsert_session(jsonb_set(s.doc, '{createdAt}', to_jsonb((extract(epoch FROM now() + make_interval(months => m)) * 1000)::bigint)) ||
                      jsonb_build_object('id', 'partman-' || m)) AS outcome, count(*)
FROM partitioned_test.snapshots AS s CROSS JOIN generate_series(0, 1) AS m WHERE s.n = 5 GROUP BY 1 ORDER BY 1;
SELECT count(*) AS sessions, count(DISTINCT tableoid) AS partitions, bool_and(status = 'complete') AS complete,
       (SELECT count(*) FROM sessions_default) AS in_default
FROM sessions;
-- An old month, made through pg_partman, holding a session; 24 months' retention drops it.
SELECT partman.create_partition_time('partman_test.sessions', ARRAY[timestamptz '2020-01-15']) AS made;
SELECT upsert_session('{"id": "partman-old", "status": "complete", "createdAt": 1579046400000}') AS outcome;
SELECT tableoid::regclass AS partition_name FROM sessions WHERE id = 'partman-old';
SELECT * FROM sessions_maintain(ahead => 3, keep => interval '24 months') WHERE action = 'dropped';
SELECT count(*) AS old_left, (SELECT count(*) FROM sessions) AS sessions_left FROM sessions WHERE id = 'partman-old';

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA single_test, partitioned_test, partman_test CASCADE;
DROP EXTENSION pg_partman;
DROP SCHEMA partman CASCADE;
