-- facesign 0.1.0 -> 0.2.0, run by ALTER EXTENSION facesign UPDATE (docs/install.md).
--
-- Brings a 0.1.0 catalog to exactly what CREATE EXTENSION facesign creates at 0.2.0: scripts/test.sh
-- --only upgrade compares the two and names any object this script misses or marks differently.
-- A new object's statement is the one `cargo pgrx schema` generates for it, as it is
-- (tests/upgrade/new_objects.py lists them); see docs/development.md, "Adding an SQL function".
\echo Use "ALTER EXTENSION facesign UPDATE" to load this file. \quit

-- facesign.version(): the version of the loaded library.
CREATE  FUNCTION "version"() RETURNS TEXT /* & '_ str */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'version_wrapper';
