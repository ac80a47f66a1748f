-- Hostile documents give rows or clean answers, never a crashed backend or a stall.
SET max_stack_depth = '7MB';

-- A 100 000-node chain: valid, no rows.
CREATE TEMP TABLE big AS
SELECT jsonb_build_array(jsonb_build_object('id', 'start', 'type', 'start', 'outcome', 'n1'))
    || jsonb_agg(jsonb_build_object('id', 'n' || i, 'type', 'conversation', 'prompt', 'p',
         'outcomes', jsonb_build_array(jsonb_build_object('id', 'o', 'condition', 'c',
           'targetNodeId', CASE WHEN i < 100000 THEN 'n' || (i + 1) ELSE 'end' END))) ORDER BY i)
    || jsonb_build_array(jsonb_build_object('id', 'end', 'type', 'end')) AS chain
FROM generate_series(1, 100000) i;
SELECT facesign.flow_is_valid(chain), (SELECT count(*) FROM facesign.validate_flow(chain)),
       (SELECT count(*) FROM facesign.flow_edges(chain)) FROM big;

-- The same chain closed into a 100 000-node cycle: one row, a message of bounded length.
SELECT code, path, node_id, length(message) < 400 AS short_message, message
FROM big, facesign.validate_flow(jsonb_set(chain, '{100000,outcomes,0,targetNodeId}', '"n1"'))
WHERE code = 'cycle';

-- Nesting: 50 000 deep is the deepest PostgreSQL 15's own jsonb parser accepts with a 7 MB
-- stack (the library's tests go to 100 000). Our functions do not recurse on depth.
CREATE TEMP TABLE deep AS SELECT (repeat('[', 50000) || '1' || repeat(']', 50000))::jsonb AS doc;
SELECT facesign.flow_is_valid(doc),
       (SELECT string_agg(code || ' ' || path, ', ') FROM facesign.validate_flow(doc)) AS rows,
       (SELECT count(*) FROM facesign.flow_edges(doc)) AS edges FROM deep;
SELECT code, path FROM deep, facesign.validate_flow(jsonb_build_array(
  jsonb_build_object('id', 's', 'type', 'start', 'outcome', 'e', 'extra', doc),
  jsonb_build_object('id', 'e', 'type', 'end', 'outcomes', doc), doc));

-- Every JSON type where a string, number, object or array belongs; numbers beyond float8.
SELECT t.v AS value, string_agg(r.code || ' ' || r.path, ', ' ORDER BY r.path) AS rows
FROM (VALUES ('null'), ('true'), ('-1'), ('1e400'), ('-1e400'), ('""'), ('"x"'), ('[]'), ('{}'), ('[1]')) t(v),
     facesign.validate_flow(jsonb_build_array(
       jsonb_build_object('id', 's', 'type', 'start', 'outcome', 'o'),
       jsonb_build_object('id', 'o', 'type', 'two_factor_email', 'otpLength', t.v::jsonb, 'showUI', t.v::jsonb,
         'emailTemplate', t.v::jsonb, 'outcomes', jsonb_build_object('verified', 'e', 'delivery_failed', t.v::jsonb,
         'failed_unverified', 'e', 'cancelled', 'e', 'error', 'e')),
       jsonb_build_object('id', t.v::jsonb, 'type', 'end'),
       jsonb_build_object('id', 'e', 'type', t.v::jsonb))) r
GROUP BY t.v ORDER BY t.v;

-- Numbers read exactly as SQL reads them: otpLength must be an integer from 4 to 8.
SELECT n AS otp_length,
       facesign.flow_is_valid(jsonb_build_array(
         jsonb_build_object('id', 's', 'type', 'start', 'outcome', 'o'),
         jsonb_build_object('id', 'o', 'type', 'two_factor_sms', 'otpLength', n::jsonb,
           'outcomes', jsonb_build_object('verified', 'e', 'delivery_failed', 'e', 'failed_unverified', 'e', 'cancelled', 'e', 'error', 'e')),
         jsonb_build_object('id', 'e', 'type', 'end'))) AS extension,
       (n::numeric BETWEEN 4 AND 8 AND n::numeric = trunc(n::numeric)) AS plain_sql
FROM unnest(ARRAY['4', '8', '8.0', '4e0', '0.8e1', '80e-1', '7.99999999999', '3.9999', '9', '-6', '6.5',
                  '1e400', '0.000000000000000000000000000006e30', '12345678901234567890']) n;

-- Had any of this crashed a backend, psql would have lost its connection here and the
-- output would differ; scripts/test.sh also fails on "terminated by signal" in the log.
SELECT 'still connected' AS status;
