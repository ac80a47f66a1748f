-- The extension installs into schema facesign, and every function that reads a document is
-- IMMUTABLE STRICT PARALLEL SAFE with an explicit cost.
CREATE EXTENSION facesign;
SELECT n.nspname AS schema, p.proname, pg_get_function_arguments(p.oid) AS args,
       p.provolatile AS volatile, p.proparallel AS parallel, p.proisstrict AS strict,
       p.procost > 1 AS has_cost
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'facesign'
ORDER BY p.proname;
