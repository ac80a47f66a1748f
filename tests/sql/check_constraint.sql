-- The reference table in sql/flows_table.sql: its CHECK constraint keeps bad flows out.
\set VERBOSITY terse
\i sql/flows_table.sql
\set english `cat tests/flows/seed-english-recognition-liveness.json`

INSERT INTO flows (flow_id, flow) VALUES ('english', :'english');
-- A self-loop is rejected …
INSERT INTO flows (flow_id, flow) VALUES ('loop', '[
  {"id": "s", "type": "start", "outcome": "c"},
  {"id": "c", "type": "conversation", "prompt": "Say: hi", "outcomes": [{"id": "o", "condition": "again", "targetNodeId": "c"}]},
  {"id": "e", "type": "end"}]');
-- … and so is the older {nodes, edges} format, and an update that breaks a stored flow.
INSERT INTO flows (flow_id, flow) VALUES ('legacy', '{"nodes": [], "edges": []}');
UPDATE flows SET flow = flow - 0 WHERE flow_id = 'english';
SELECT flow_id, jsonb_array_length(flow) FROM flows;
-- Warnings do not block a row; the view lists them.
SELECT * FROM flow_warnings ORDER BY flow_id, path;
