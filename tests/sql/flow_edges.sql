-- flow_edges lists the graph as written, and agrees with the same edges written in plain SQL.
\set english `cat tests/flows/seed-english-recognition-liveness.json`
\set every_type `cat tests/flows/all-node-types.json`

SELECT * FROM facesign.flow_edges(:'english');

-- Targets that do not exist are still edges; non-string targets and id-less nodes are not.
SELECT * FROM facesign.flow_edges('[
  {"id": "s", "type": "start", "outcome": "r"},
  {"id": "r", "type": "recognition", "outcomes": {"recognized": "ghost", "newUser": 5, "noFace": "e"}},
  {"type": "conversation", "outcomes": [{"id": "x", "condition": "c", "targetNodeId": "e"}]},
  {"id": "m", "type": "mystery", "outcomes": [{"id": "y", "condition": "c", "targetNodeId": "e"}]},
  {"id": "e", "type": "end"}
]');

-- The hand-written SQL a user would otherwise write, on the flows above and on a 300-node
-- flow (objects and arrays past 32 entries use the format's stored offsets).
CREATE TEMP TABLE edge_flows AS
SELECT 'english' AS name, :'english'::jsonb AS flow
UNION ALL SELECT 'every_type', :'every_type'::jsonb
UNION ALL SELECT 'wide', jsonb_build_array(jsonb_build_object('id', 'start', 'type', 'start', 'outcome', 'n1'))
  || (SELECT jsonb_agg(jsonb_build_object(
        'id', 'n' || i, 'type', 'conversation', 'prompt', repeat('p', i),
        'outcomes', (SELECT jsonb_agg(jsonb_build_object('id', 'o' || i || '_' || k, 'condition', 'c', 'targetNodeId', 'n' || (i + k)))
                     FROM generate_series(1, 40) k)) ORDER BY i)
      FROM generate_series(1, 300) i);

WITH handwritten AS (
  SELECT f.name, n->>'id' AS source, NULL::text AS outcome, n->>'outcome' AS target
  FROM edge_flows f, jsonb_array_elements(f.flow) n
  WHERE n->>'type' = 'start' AND jsonb_typeof(n->'outcome') = 'string'
  UNION ALL
  SELECT f.name, n->>'id', o.key, o.value #>> '{}'
  FROM edge_flows f, jsonb_array_elements(f.flow) n, jsonb_each(n->'outcomes') o
  WHERE jsonb_typeof(n->'outcomes') = 'object' AND jsonb_typeof(o.value) = 'string'
  UNION ALL
  SELECT f.name, n->>'id', o->>'id', o->>'targetNodeId'
  FROM edge_flows f, jsonb_array_elements(f.flow) n, jsonb_array_elements(n->'outcomes') o
  WHERE jsonb_typeof(n->'outcomes') = 'array' AND jsonb_typeof(o->'targetNodeId') = 'string'
), extension AS (
  SELECT f.name, e.* FROM edge_flows f, facesign.flow_edges(f.flow) e
)
SELECT name, count(*) AS edges,
       (SELECT count(*) FROM (SELECT * FROM handwritten h WHERE h.name = x.name
                              EXCEPT ALL SELECT * FROM extension e WHERE e.name = x.name) d) AS missing,
       (SELECT count(*) FROM (SELECT * FROM extension e WHERE e.name = x.name
                              EXCEPT ALL SELECT * FROM handwritten h WHERE h.name = x.name) d) AS extra
FROM extension x GROUP BY name ORDER BY name;
