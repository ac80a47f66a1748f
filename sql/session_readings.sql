-- Views of what the extension reads from each stored session: its risk signals, its node
-- outcomes and its transcript, a row per session, node report or phrase, with the session's
-- key columns. Apply after sql/sessions_table.sql (or the partitioned one).
--
-- On one server they save writing the LATERAL call. On the shards of a sharded table they
-- are what makes the reading run on the shard: postgres_fdw ships a facesign function call
-- in a WHERE clause or an aggregate, but not a set-returning call in FROM nor a field of a
-- composite result (`(facesign.risk_signals(session)).country`), which the coordinator
-- would then compute itself after fetching every whole document. sql/sessions_sharded.sql
-- gives the coordinator a table of each of these views, partitioned like sessions, whose
-- partitions are these views on the shards: the documents stay where they are and only
-- the columns a query asks for travel.

CREATE OR REPLACE VIEW session_risk_signals AS
SELECT s.id AS session_id, s.client_reference_id, s.created_at AS session_created_at, s.status, r.*
FROM sessions AS s CROSS JOIN LATERAL facesign.risk_signals(s.session) AS r;

CREATE OR REPLACE VIEW session_node_outcomes AS
SELECT s.id AS session_id, s.client_reference_id, s.created_at AS session_created_at, s.status, n.*
FROM sessions AS s CROSS JOIN LATERAL facesign.node_outcomes(s.session) AS n;

CREATE OR REPLACE VIEW session_transcript AS
SELECT s.id AS session_id, s.client_reference_id, s.created_at AS session_created_at, s.status, t.*
FROM sessions AS s CROSS JOIN LATERAL facesign.transcript(s.session) AS t;
