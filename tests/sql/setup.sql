-- The extension installs into schema facesign, and every function that reads a document is
-- IMMUTABLE STRICT PARALLEL SAFE with an explicit cost; merge_session alone is not STRICT (a NULL
-- stored session takes the incoming one, for an upsert's first write).
-- The upgrade test (tests/upgrade/run.sh) runs these tests again in a database where the
-- extension was created at a released version and updated: there it exists already.
SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'facesign') AS fresh_database \gset
\if :fresh_database
CREATE EXTENSION facesign;
\endif
SELECT n.nspname AS schema, p.proname, pg_get_function_arguments(p.oid) AS args,
       p.provolatile AS volatile, p.proparallel AS parallel, p.proisstrict AS strict,
       p.procost > 1 AS has_cost, CASE WHEN p.proretset THEN p.prorows END AS rows
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'facesign'
ORDER BY p.proname, 3;

-- The composite types the readers return.
SELECT t.typname, string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) AS attributes
FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0
WHERE t.typnamespace = 'facesign'::regnamespace AND t.typtype = 'c'
GROUP BY t.typname ORDER BY t.typname;
