-- Mistakes an upgrade script could make, made on purpose in the updated database and rolled
-- back: tests/upgrade/run.sh compares this catalog with the fresh one and fails unless the
-- comparison names every one of them (each statement's `-- names:` line is what it must say).
BEGIN;
-- names: function facesign.outcome(jsonb,text): volatility is VOLATILE
ALTER FUNCTION facesign.outcome(jsonb, text) VOLATILE;
-- names: function facesign.flow_is_valid(jsonb): strict is CALLED ON NULL INPUT
ALTER FUNCTION facesign.flow_is_valid(jsonb) CALLED ON NULL INPUT;
-- names: function facesign.flow_edges(jsonb): rows is '16'
ALTER FUNCTION facesign.flow_edges(jsonb) ROWS 16;
-- names: function facesign.export_rows(jsonb,boolean): cost is '201'
-- names: function facesign.export_rows(jsonb,boolean): parallel safety is PARALLEL RESTRICTED
ALTER FUNCTION facesign.export_rows(jsonb, boolean) PARALLEL RESTRICTED COST 201;
-- names: function facesign.storage_refusal(jsonb): symbol or body is 'flow_fingerprint_wrapper'
CREATE OR REPLACE FUNCTION facesign.storage_refusal(session jsonb) RETURNS text
IMMUTABLE STRICT PARALLEL SAFE COST 20 LANGUAGE c AS '$libdir/facesign', 'flow_fingerprint_wrapper';
-- names: function facesign.flow_fingerprint(jsonb): language is 'sql'
CREATE OR REPLACE FUNCTION facesign.flow_fingerprint(flow jsonb) RETURNS text
IMMUTABLE STRICT PARALLEL SAFE COST 50 LANGUAGE sql AS 'SELECT NULL::text';
-- names: function facesign.version(): missing after the update
ALTER EXTENSION facesign DROP FUNCTION facesign.version();
DROP FUNCTION facesign.version();
-- names: type facesign.session_summary: attributes is
ALTER TYPE facesign.session_summary ADD ATTRIBUTE extra int;
-- names: cast from facesign.risk_score to text: only after the update
CREATE CAST (facesign.risk_score AS text) WITH INOUT;
ALTER EXTENSION facesign ADD CAST (facesign.risk_score AS text);
-- names: operator facesign.===(jsonb,jsonb): only after the update
CREATE FUNCTION facesign.same_session(a jsonb, b jsonb) RETURNS boolean IMMUTABLE LANGUAGE sql AS 'SELECT a = b';
CREATE OPERATOR facesign.=== (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = facesign.same_session);
ALTER EXTENSION facesign ADD OPERATOR facesign.=== (jsonb, jsonb);
-- names: function facesign.same_session(jsonb,jsonb): only after the update
\i tests/upgrade/catalog.sql
ROLLBACK;
