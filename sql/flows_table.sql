-- A table of FaceSign flows that can only hold valid flows.
--
-- Apply after `CREATE EXTENSION facesign;`. The CHECK constraint calls
-- facesign.flow_is_valid, which is IMMUTABLE STRICT PARALLEL SAFE: errors reject the row,
-- warnings (unreachable nodes, a defaulted `inconclusive` outcome, …) do not. When an INSERT
-- is rejected, ask why with:
--   SELECT * FROM facesign.validate_flow('<the flow>'::jsonb);

CREATE TABLE IF NOT EXISTS flows (
    flow_id     text PRIMARY KEY,
    description text,
    flow        jsonb NOT NULL
                CONSTRAINT flow_is_valid CHECK (facesign.flow_is_valid(flow)),
    created_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON CONSTRAINT flow_is_valid ON flows IS
    'facesign.flow_is_valid(flow): see facesign.validate_flow(flow) for the problems';

-- Warnings are worth reviewing even though they do not block a flow.
CREATE OR REPLACE VIEW flow_warnings AS
SELECT f.flow_id, v.code, v.path, v.node_id, v.message
FROM flows AS f
CROSS JOIN LATERAL facesign.validate_flow(f.flow) AS v
WHERE v.severity = 'warning';
