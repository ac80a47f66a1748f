-- Included by tests/sql/merge_session.sql and partitioned.sql, with :kyc set to
-- tests/sessions/complete-kyc-object-video.json and a schema of their own on the search_path.

-- Five fetches of one session, as GET /sessions/{id} returns them over time; the last is the
-- complete test session with its video analysis.
\set ECHO none
\i tests/sql/include/fetches.sql
\set ECHO all
CREATE TABLE snapshots (n int PRIMARY KEY, name text, doc jsonb);
INSERT INTO snapshots SELECT * FROM fetches_of(:'kyc');

-- Every arrival order (5! = 120), each snapshot merged into what is stored: one result, the
-- last snapshot.
CREATE VIEW every_order AS
WITH RECURSIVE orders(o) AS (
    SELECT ARRAY[n] FROM snapshots
    UNION ALL
    SELECT o || s.n FROM orders JOIN snapshots s ON s.n <> ALL (o)
), folded(o, step, stored) AS (
    SELECT o, 1, (SELECT doc FROM snapshots WHERE n = o[1]) FROM orders WHERE cardinality(o) = 5
    UNION ALL
    SELECT f.o, f.step + 1, facesign.merge_session(f.stored, s.doc)
    FROM folded f JOIN snapshots s ON s.n = f.o[f.step + 1]
    WHERE f.step < 5
)
SELECT o, stored FROM folded WHERE step = 5;
