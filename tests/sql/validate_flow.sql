-- validate_flow, flow_is_valid and flow_errors on the seed flows, a clean flow with every
-- node type, and one flow with a problem of every kind.
\set english `cat tests/flows/seed-english-recognition-liveness.json`
\set multilingual `cat tests/flows/seed-multilingual-recognition-liveness.json`
\set every_type `cat tests/flows/all-node-types.json`

-- The seed flows are valid: the only rows are warnings that `inconclusive` will be defaulted,
-- and that each liveness failure goes where a pass goes (tests/sql/validate_session.sql has
-- the safety lints).
SELECT * FROM facesign.validate_flow(:'english');
SELECT facesign.flow_is_valid(:'english'), facesign.flow_is_valid(:'multilingual');
SELECT count(*) FROM facesign.validate_flow(:'multilingual') WHERE severity = 'error';

-- Clean: no rows, '[]'.
SELECT count(*) FROM facesign.validate_flow(:'every_type');
SELECT facesign.flow_errors(:'every_type');

-- Not a node array.
SELECT code, path, message FROM facesign.validate_flow('{"nodes": [], "edges": []}');
SELECT code, path, message FROM facesign.validate_flow('"start"');
SELECT code, path, message FROM facesign.validate_flow('[]');

-- Everything at once, in document order.
SELECT severity, code, path, node_id, message FROM facesign.validate_flow($$[
  {"id": "start", "type": "start", "outcome": "greet"},
  {"id": "greet", "type": "conversation", "prompt": "", "outcome": "x",
   "outcomes": [{"id": "a", "condition": "yes", "targetNodeId": "live"},
                {"id": "a", "condition": "no", "targetNodeId": "greet"}]},
  {"id": "live", "type": "liveness_detection",
   "outcomes": {"livenessDetected": "email", "deepfakeDetected": "ghost", "noFace": "email"}},
  {"id": "email", "type": "enter_email", "outcomes": {"emailEntered": "otp", "cancelled": "end"}},
  {"id": "otp", "type": "two_factor_sms", "otpLength": 12,
   "outcomes": {"verified": "start2", "deliveryFailed": "end", "failed_unverified": "end", "cancelled": "end", "error": "end"}},
  {"id": "start2", "type": "start", "outcome": "greet"},
  {"id": "end", "type": "end", "outcome": "start"},
  {"id": "end", "type": "two_factor"},
  {"type": "end"},
  7,
  {"id": "island", "type": "recognition", "outcomes": {"recognized": "end", "newUser": "end", "noFace": "end"}},
  {"id": "chat", "type": "conversation", "prompt": "hi", "outcomes": []},
  {"id": "scan", "type": "document_scan", "scanningMode": "SINGLE_SIDE", "allowedDocumentTypes": ["MRTD_TYPE_PASSPORT"],
   "outcomes": {"scanSuccess": "end", "userCancelled": "end", "scanTimeout": "end"}},
  {"id": "cmp", "type": "face_compare", "sourceA": {"source": "providedData"}, "similarityThreshold": 2,
   "outcomes": {"match": "end", "noMatch": "end", "imageUnavailable": "end"}}
]$$);

-- flow_is_valid ignores warnings; flow_errors carries the same rows as JSON.
SELECT facesign.flow_is_valid('[{"id": "s", "type": "start", "outcome": "e"}, {"id": "e", "type": "end"}, {"id": "lonely", "type": "end"}]');
SELECT jsonb_pretty(facesign.flow_errors('[{"id": "s", "type": "start", "outcome": "e"}, {"id": "e", "type": "end", "outcomes": {}}]'));
SELECT (SELECT jsonb_agg(jsonb_build_object('severity', severity, 'code', code, 'path', path, 'nodeId', node_id, 'message', message))
        FROM facesign.validate_flow(:'english')) = facesign.flow_errors(:'english') AS same_rows;

-- STRICT: NULL in, NULL out.
SELECT facesign.flow_is_valid(NULL), facesign.flow_errors(NULL), count(*) FROM facesign.validate_flow(NULL);
