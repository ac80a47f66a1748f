-- The arrivals for tests/shards/upsert_arrival.sql: the five fetches (fetches_of) of
-- :sessions stored complete sessions, as new sessions race-<id>, in a shuffled order, and
-- each of the :clients clients' position in it.
SET client_min_messages = warning;
DROP TABLE IF EXISTS arrivals;
DROP TABLE IF EXISTS arrival_position;
DROP FUNCTION IF EXISTS fetches_of(jsonb);
\set ECHO none
\i tests/sql/include/fetches.sql
CREATE TABLE arrivals (k bigint PRIMARY KEY, session_id text NOT NULL, doc jsonb NOT NULL);
INSERT INTO arrivals
SELECT row_number() OVER (ORDER BY md5(s.id || f.n)), 'race-' || s.id, jsonb_set(f.doc, '{id}', to_jsonb('race-' || s.id))
FROM (SELECT id, session FROM sessions WHERE status = 'complete' AND id NOT LIKE 'race-%'
      ORDER BY id LIMIT :sessions) AS s
CROSS JOIN LATERAL fetches_of(s.session) AS f;
CREATE TABLE arrival_position (client_id int PRIMARY KEY, next int NOT NULL DEFAULT 0);
INSERT INTO arrival_position (client_id) SELECT generate_series(0, :clients - 1);
CREATE OR REPLACE AGGREGATE merge_all(jsonb) (sfunc = facesign.merge_session, stype = jsonb);
SELECT count(*) FROM arrivals;
