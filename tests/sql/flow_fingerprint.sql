-- flow_fingerprint names a flow version: the same for the same graph whatever its key order
-- or whitespace, another for any change, NULL for what is not a flow. export_rows is what the
-- Parquet export reads of each session, in one call.
\set english `cat tests/flows/seed-english-recognition-liveness.json`

SELECT facesign.flow_fingerprint(:'english') ~ '^[0-9a-f]{32}$' AS is_32_hex_digits;

-- Spelled differently, the same flow: keys reordered, whitespace, 1.0 for 1.
SELECT facesign.flow_fingerprint('[{"id": "s", "type": "start", "outcome": "e", "n": 1}, {"id": "e", "type": "end"}]')
     = facesign.flow_fingerprint('[ {"outcome":"e","n":1.0,"type":"start","id":"s"},
                                     {"type":"end",   "id":"e"} ]') AS same_graph_same_fingerprint;

-- Any change is another version: a target, an added key, the order of the nodes.
SELECT count(DISTINCT facesign.flow_fingerprint(f::jsonb)) AS distinct_fingerprints
FROM unnest(ARRAY[
  '[{"id": "s", "type": "start", "outcome": "e"}, {"id": "e", "type": "end"}]',
  '[{"id": "s", "type": "start", "outcome": "x"}, {"id": "e", "type": "end"}]',
  '[{"id": "s", "type": "start", "outcome": "e", "prompt": "hi"}, {"id": "e", "type": "end"}]',
  '[{"id": "e", "type": "end"}, {"id": "s", "type": "start", "outcome": "e"}]'
]) AS f;

-- Not a flow: NULL. The legacy {nodes, edges} object has a fingerprint too.
SELECT facesign.flow_fingerprint('"flow-id"') IS NULL AS scalar_is_null,
       facesign.flow_fingerprint('{"nodes": [], "edges": []}') IS NOT NULL AS legacy_has_one;

-- Grouping stored sessions by flow version.
SELECT facesign.flow_fingerprint(s->'settings'->'flow') IS NOT NULL AS has_flow, count(*)
FROM (VALUES (jsonb_build_object('settings', jsonb_build_object('flow', :'english'::jsonb))),
             (jsonb_build_object('settings', jsonb_build_object('flow', :'english'::jsonb))),
             ('{"settings": {}}'::jsonb)) AS t(s)
GROUP BY 1 ORDER BY 1;

-- export_rows: bytes of the export's own format (its version, 2, first), for any document.
SELECT get_byte(facesign.export_rows('{"id": "a"}', false), 0) AS format_version,
       length(facesign.export_rows('[]', true)) > 0 AS reads_anything,
       facesign.export_rows(NULL, false) IS NULL AS strict;

-- Both are marked for use anywhere in a query, in parallel.
SELECT proname, provolatile, proisstrict, proparallel FROM pg_proc
WHERE proname IN ('flow_fingerprint', 'export_rows') ORDER BY proname;
