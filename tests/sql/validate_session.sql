-- The safety lints of validate_flow (a case that fires and a near miss for each) and
-- validate_session, which adds the rules that need the session's settings.
\set english `cat tests/flows/seed-english-recognition-liveness.json`
\set multilingual `cat tests/flows/seed-multilingual-recognition-liveness.json`
\set every_type `cat tests/flows/all-node-types.json`

-- The concepts page's two flows: exactly inconclusive_defaulted and failure_joins_success.
SELECT code, path, node_id FROM facesign.validate_flow(:'english');
SELECT code, count(*) FROM facesign.validate_flow(:'multilingual') GROUP BY code ORDER BY code;
SELECT message FROM facesign.validate_flow(:'english') WHERE path = '/3/outcomes/deepfakeDetected';

-- Warnings never change flow_is_valid, so every CHECK constraint keeps its answer.
SELECT facesign.flow_is_valid(:'english') AS english_valid, facesign.flow_is_valid(:'multilingual') AS multilingual_valid;

-- failure_joins_success near miss: failures routed to their own branch.
SELECT count(*) AS rows FROM facesign.validate_flow(:'every_type');

-- One safe flow, greeting, recognition and liveness; the cases below each change one thing.
\set safe '[{"id": "start", "type": "start", "outcome": "greet"}, {"id": "greet", "type": "conversation", "prompt": "Warmly greet the user and tell them you need to quickly verify their identity. Ask if they are ready.", "outcomes": [{"id": "g", "condition": "User responded", "targetNodeId": "rec"}]}, {"id": "rec", "type": "recognition", "outcomes": {"recognized": "live", "newUser": "live", "noFace": "live"}}, {"id": "live", "type": "liveness_detection", "outcomes": {"livenessDetected": "end", "deepfakeDetected": "rejected", "noFace": "rejected", "inconclusive": "rejected"}}, {"id": "end", "type": "end"}, {"id": "rejected", "type": "end"}]'
SELECT count(*) AS rows FROM facesign.validate_flow(:'safe');

-- liveness_bypass: recognised users skip the liveness check (the near miss: the safe flow,
-- which sends them through it too).
SELECT code, path, node_id, message FROM facesign.validate_flow(jsonb_set(:'safe', '{2,outcomes,recognized}', '"end"'));

-- recognition_after_short_greeting: six spoken words are about 2.4 s; 13 are enough.
SELECT code, path, node_id, message
FROM facesign.validate_flow(jsonb_set(:'safe', '{1,prompt}', '"Say: Hi! Let''s verify your identity. Ready?"'));
SELECT count(*) AS rows
FROM facesign.validate_flow(jsonb_set(:'safe', '{1,prompt}', '"Say: Hi there! I need to verify your identity now, it only takes seconds."'));

-- face_source_not_collected: a document photo compared with no document scan before it;
-- near miss: the same source after a scan (the every-type flow above).
SELECT code, path, node_id, message FROM facesign.validate_flow($$[
  {"id": "start", "type": "start", "outcome": "greet"},
  {"id": "greet", "type": "conversation", "prompt": "Warmly greet the user and tell them you need to quickly verify their identity. Ask if they are ready.",
   "outcomes": [{"id": "g", "condition": "User responded", "targetNodeId": "live"}]},
  {"id": "live", "type": "liveness_detection",
   "outcomes": {"livenessDetected": "cmp", "deepfakeDetected": "rejected", "noFace": "rejected", "inconclusive": "rejected"}},
  {"id": "cmp", "type": "face_compare", "sourceA": {"source": "documentPhoto"}, "sourceB": {"source": "sessionVideo"},
   "outcomes": {"match": "end", "noMatch": "rejected", "imageUnavailable": "rejected"}},
  {"id": "end", "type": "end"},
  {"id": "rejected", "type": "end"}
]$$);

-- validate_session: the flow's rows under /settings/flow, the same as validate_flow's.
SELECT (SELECT array_agg(code || ' ' || path) FROM facesign.validate_session(jsonb_build_object('settings',
          jsonb_build_object('flow', :'english'::jsonb, 'langs', '["en"]'::jsonb, 'defaultLang', 'en'))))
     = (SELECT array_agg(code || ' /settings/flow' || path) FROM facesign.validate_flow(:'english')) AS same_rows;

-- literal_prompt_multilingual: the English Say: flow offered in Italian and English.
SELECT code, path, node_id FROM facesign.validate_session(jsonb_build_object('settings',
  jsonb_build_object('flow', :'english'::jsonb, 'langs', '["it", "en"]'::jsonb, 'defaultLang', 'it')))
WHERE code = 'literal_prompt_multilingual';
-- Near miss: the multilingual flow in six languages, as the concepts page passes it.
SELECT code, count(*) FROM facesign.validate_session(jsonb_build_object('settings',
  jsonb_build_object('flow', :'multilingual'::jsonb, 'langs', '["en", "it", "de", "fr", "es", "pt"]'::jsonb, 'defaultLang', 'en')))
GROUP BY code ORDER BY code;

-- default_lang_not_in_langs, two_factor_contact_missing and provided_data_key_missing, on a
-- create-session request body (paths from its top level); then the same with the data given.
\set otp_flow '[{"id": "start", "type": "start", "outcome": "greet"}, {"id": "greet", "type": "conversation", "prompt": "Warmly greet the user and tell them you need to quickly verify their identity. Ask if they are ready.", "outcomes": [{"id": "g", "condition": "User responded", "targetNodeId": "live"}]}, {"id": "live", "type": "liveness_detection", "outcomes": {"livenessDetected": "cmp", "deepfakeDetected": "rejected", "noFace": "rejected", "inconclusive": "rejected"}}, {"id": "cmp", "type": "face_compare", "sourceA": {"source": "sessionVideo"}, "sourceB": {"source": "providedData", "providedDataKey": "selfie"}, "outcomes": {"match": "otp", "noMatch": "rejected", "imageUnavailable": "rejected"}}, {"id": "otp", "type": "two_factor_email", "outcomes": {"verified": "end", "delivery_failed": "rejected", "failed_unverified": "rejected", "cancelled": "rejected", "error": "rejected"}}, {"id": "end", "type": "end"}, {"id": "rejected", "type": "end"}]'
SELECT severity, code, path, node_id, message FROM facesign.validate_session(jsonb_build_object(
  'flow', :'otp_flow'::jsonb, 'langs', '["en", "es"]'::jsonb, 'defaultLang', 'de', 'providedData', '{"name": "Ann"}'::jsonb));
SELECT count(*) AS rows FROM facesign.validate_session(jsonb_build_object(
  'flow', :'otp_flow'::jsonb, 'langs', '["en", "es"]'::jsonb, 'defaultLang', 'es',
  'providedData', '{"name": "Ann", "email": "ann@example.com", "selfie": "https://example.com/ann.jpg"}'::jsonb));

-- What is not a session, and stored legacy shapes.
SELECT code, path, message FROM facesign.validate_session('[1]');
SELECT code, path, message FROM facesign.validate_session('{"id": "x"}');
SELECT code, path FROM facesign.validate_session('{"settings": {"flow": null}}');
SELECT code, path FROM facesign.validate_session('{"settings": {"flow": {"nodes": [], "edges": []}}}');
