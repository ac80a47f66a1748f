-- What the facesign extension is in this database, as one JSON object for
-- tests/upgrade/compare_catalog.py: {"<object>": {"<attribute>": "<value>", …}, …}, where an
-- object is named as pg_describe_object names it ("function facesign.outcome(jsonb,text)").
--
-- Every member of the extension (pg_depend, deptype 'e') with what a fresh CREATE EXTENSION
-- decides about it: a function's arguments (names, defaults), result, volatility, strictness,
-- parallel safety, cost, rows, language, the C symbol and library it binds to, …; a type's
-- kind, I/O functions and attributes in order; a cast's functions and context; an operator's
-- operands and function; a relation's columns. Also the extension's own row, its schema, and
-- anything else in that schema that is not a member (an upgrade script that left something
-- behind). Owners and privileges are included: both databases are made by the same role.
WITH ext AS (
    SELECT oid, extname, extversion, extrelocatable, extnamespace, extowner, extconfig, extcondition
    FROM pg_extension WHERE extname = 'facesign'
),
members AS (
    SELECT d.classid, d.objid FROM pg_depend AS d, ext
    WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
),
-- Objects of the schema that belong to a member (a composite type's relation, an array
-- type) come and go with it.
owned_by_members AS (
    SELECT d.classid, d.objid FROM pg_depend AS d JOIN members AS m
        ON d.refclassid = m.classid AND d.refobjid = m.objid
    WHERE d.deptype IN ('i', 'a')
),
in_schema AS (
    SELECT 'pg_proc'::regclass AS classid, p.oid AS objid FROM pg_proc AS p, ext WHERE p.pronamespace = ext.extnamespace
    UNION ALL SELECT 'pg_type'::regclass, t.oid FROM pg_type AS t, ext WHERE t.typnamespace = ext.extnamespace
    UNION ALL SELECT 'pg_class'::regclass, c.oid FROM pg_class AS c, ext WHERE c.relnamespace = ext.extnamespace
    UNION ALL SELECT 'pg_operator'::regclass, o.oid FROM pg_operator AS o, ext WHERE o.oprnamespace = ext.extnamespace
),
strays AS (
    SELECT * FROM in_schema EXCEPT SELECT * FROM members EXCEPT SELECT * FROM owned_by_members
),
described AS (SELECT * FROM members UNION ALL SELECT * FROM strays),
attributes (object, attribute, value) AS (
    -- The extension itself.
    SELECT 'extension ' || extname, a, v FROM ext, LATERAL (VALUES
        ('version', extversion),
        ('relocatable', extrelocatable::text),
        ('schema', extnamespace::regnamespace::text),
        ('owner', extowner::regrole::text),
        ('configuration tables', coalesce(extconfig::regclass[]::text, '')),
        ('configuration conditions', coalesce(extcondition::text, ''))) AS x (a, v)
    UNION ALL
    SELECT 'schema ' || n.nspname, a, v FROM ext JOIN pg_namespace AS n ON n.oid = ext.extnamespace, LATERAL (VALUES
        ('owner', n.nspowner::regrole::text),
        ('privileges', coalesce(n.nspacl::text, 'default')),
        ('comment', coalesce(obj_description(n.oid, 'pg_namespace'), ''))) AS x (a, v)
    UNION ALL
    -- Every member: that it is one.
    SELECT pg_describe_object(classid, objid, 0), 'member of the extension', 'yes' FROM members
    UNION ALL
    SELECT pg_describe_object(classid, objid, 0), 'member of the extension', 'no (in its schema, not a member)' FROM strays
    UNION ALL
    -- Functions, procedures and aggregates.
    SELECT pg_describe_object('pg_proc'::regclass, p.oid, 0), a, v
    FROM pg_proc AS p JOIN pg_language AS l ON l.oid = p.prolang, LATERAL (VALUES
        ('kind', p.prokind::text),
        ('arguments', pg_get_function_arguments(p.oid)),
        ('result', pg_get_function_result(p.oid)),
        ('returns a set', p.proretset::text),
        ('volatility', p.provolatile::text),
        ('strict', p.proisstrict::text),
        ('parallel safety', p.proparallel::text),
        ('cost', p.procost::text),
        ('rows', p.prorows::text),
        ('language', l.lanname),
        ('symbol or body', p.prosrc),
        ('library', coalesce(p.probin, '')),
        ('security definer', p.prosecdef::text),
        ('leakproof', p.proleakproof::text),
        ('settings', coalesce(p.proconfig::text, '')),
        ('planner support', p.prosupport::text),
        ('owner', p.proowner::regrole::text),
        ('privileges', coalesce(p.proacl::text, 'default')),
        ('comment', coalesce(obj_description(p.oid, 'pg_proc'), ''))) AS x (a, v)
    WHERE ('pg_proc'::regclass, p.oid) IN (SELECT * FROM described)
    UNION ALL
    SELECT pg_describe_object('pg_proc'::regclass, g.aggfnoid, 0), a, v FROM pg_aggregate AS g, LATERAL (VALUES
        ('aggregate kind', g.aggkind::text), ('transition function', g.aggtransfn::text),
        ('final function', g.aggfinalfn::text), ('combine function', g.aggcombinefn::text),
        ('serial function', g.aggserialfn::text), ('deserial function', g.aggdeserialfn::text),
        ('state type', g.aggtranstype::regtype::text), ('initial state', coalesce(g.agginitval, 'NULL')),
        ('sort operator', g.aggsortop::regoperator::text)) AS x (a, v)
    WHERE ('pg_proc'::regclass, g.aggfnoid) IN (SELECT classid, objid FROM members)
    UNION ALL
    -- Types: base, composite, enum, domain, range.
    SELECT pg_describe_object('pg_type'::regclass, t.oid, 0), a, v FROM pg_type AS t, LATERAL (VALUES
        ('kind', t.typtype::text),
        ('length', t.typlen::text),
        ('by value', t.typbyval::text),
        ('category', t.typcategory::text),
        ('preferred', t.typispreferred::text),
        ('delimiter', t.typdelim::text),
        ('input', t.typinput::text), ('output', t.typoutput::text),
        ('receive', t.typreceive::text), ('send', t.typsend::text),
        ('typmod in', t.typmodin::text), ('typmod out', t.typmodout::text),
        ('analyze', t.typanalyze::text), ('subscript', t.typsubscript::text),
        ('alignment', t.typalign::text), ('storage', t.typstorage::text),
        ('not null', t.typnotnull::text),
        ('base type', t.typbasetype::regtype::text), ('typmod', t.typtypmod::text),
        ('collation', t.typcollation::regcollation::text),
        ('default', coalesce(t.typdefault, 'NULL')),
        ('array type', t.typarray::regtype::text),
        ('attributes', coalesce((
            SELECT string_agg(format('%s %s%s%s', quote_ident(att.attname), format_type(att.atttypid, att.atttypmod),
                                     CASE WHEN att.attcollation <> 0 THEN ' COLLATE ' || att.attcollation::regcollation::text ELSE '' END,
                                     CASE WHEN att.attnotnull THEN ' NOT NULL' ELSE '' END),
                              ', ' ORDER BY att.attnum)
            FROM pg_attribute AS att WHERE att.attrelid = t.typrelid AND att.attnum > 0 AND NOT att.attisdropped), '')),
        ('enum labels', coalesce((SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
                                  FROM pg_enum AS e WHERE e.enumtypid = t.oid), '')),
        ('domain constraints', coalesce((SELECT string_agg(c.conname || ' ' || pg_get_constraintdef(c.oid), ', ' ORDER BY c.conname)
                                         FROM pg_constraint AS c WHERE c.contypid = t.oid), '')),
        ('owner', t.typowner::regrole::text),
        ('privileges', coalesce(t.typacl::text, 'default')),
        ('comment', coalesce(obj_description(t.oid, 'pg_type'), ''))) AS x (a, v)
    WHERE ('pg_type'::regclass, t.oid) IN (SELECT * FROM described)
    UNION ALL
    -- Casts.
    SELECT pg_describe_object('pg_cast'::regclass, c.oid, 0), a, v FROM pg_cast AS c, LATERAL (VALUES
        ('function', c.castfunc::regprocedure::text),
        ('context', c.castcontext::text),
        ('method', c.castmethod::text)) AS x (a, v)
    WHERE ('pg_cast'::regclass, c.oid) IN (SELECT classid, objid FROM members)
    UNION ALL
    -- Operators.
    SELECT pg_describe_object('pg_operator'::regclass, o.oid, 0), a, v FROM pg_operator AS o, LATERAL (VALUES
        ('kind', o.oprkind::text),
        ('result', o.oprresult::regtype::text),
        ('function', o.oprcode::regprocedure::text),
        ('commutator', o.oprcom::regoperator::text), ('negator', o.oprnegate::regoperator::text),
        ('restriction estimator', o.oprrest::text), ('join estimator', o.oprjoin::text),
        ('merges', o.oprcanmerge::text), ('hashes', o.oprcanhash::text),
        ('owner', o.oprowner::regrole::text),
        ('comment', coalesce(obj_description(o.oid, 'pg_operator'), ''))) AS x (a, v)
    WHERE ('pg_operator'::regclass, o.oid) IN (SELECT * FROM described)
    UNION ALL
    -- Operator classes and families: their operators and support functions.
    SELECT pg_describe_object('pg_opfamily'::regclass, f.oid, 0), 'members',
           coalesce((SELECT string_agg(pg_describe_object('pg_amop'::regclass, ao.oid, 0), '; ' ORDER BY 1)
                     FROM pg_amop AS ao WHERE ao.amopfamily = f.oid), '') || ' | ' ||
           coalesce((SELECT string_agg(pg_describe_object('pg_amproc'::regclass, ap.oid, 0), '; ' ORDER BY 1)
                     FROM pg_amproc AS ap WHERE ap.amprocfamily = f.oid), '')
    FROM pg_opfamily AS f WHERE ('pg_opfamily'::regclass, f.oid) IN (SELECT classid, objid FROM members)
    UNION ALL
    SELECT pg_describe_object('pg_opclass'::regclass, c.oid, 0), a, v FROM pg_opclass AS c, LATERAL (VALUES
        ('family', pg_describe_object('pg_opfamily'::regclass, c.opcfamily, 0)),
        ('type', c.opcintype::regtype::text), ('default', c.opcdefault::text),
        ('storage type', c.opckeytype::regtype::text)) AS x (a, v)
    WHERE ('pg_opclass'::regclass, c.oid) IN (SELECT classid, objid FROM members)
    UNION ALL
    -- Tables, views, sequences: columns, definitions, indexes.
    SELECT pg_describe_object('pg_class'::regclass, c.oid, 0), a, v FROM pg_class AS c, LATERAL (VALUES
        ('kind', c.relkind::text),
        ('columns', coalesce((
            SELECT string_agg(format('%s %s%s%s', quote_ident(att.attname), format_type(att.atttypid, att.atttypmod),
                                     CASE WHEN att.attnotnull THEN ' NOT NULL' ELSE '' END,
                                     coalesce(' DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid), '')),
                              ', ' ORDER BY att.attnum)
            FROM pg_attribute AS att LEFT JOIN pg_attrdef AS ad ON ad.adrelid = att.attrelid AND ad.adnum = att.attnum
            WHERE att.attrelid = c.oid AND att.attnum > 0 AND NOT att.attisdropped), '')),
        ('definition', CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) ELSE '' END),
        ('constraints', coalesce((SELECT string_agg(k.conname || ' ' || pg_get_constraintdef(k.oid), ', ' ORDER BY k.conname)
                                  FROM pg_constraint AS k WHERE k.conrelid = c.oid), '')),
        ('indexes', coalesce((SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY 1)
                              FROM pg_index AS i WHERE i.indrelid = c.oid), '')),
        ('options', coalesce(c.reloptions::text, '')),
        ('owner', c.relowner::regrole::text),
        ('privileges', coalesce(c.relacl::text, 'default')),
        ('comment', coalesce(obj_description(c.oid, 'pg_class'), ''))) AS x (a, v)
    WHERE ('pg_class'::regclass, c.oid) IN (SELECT * FROM described)
)
SELECT coalesce(jsonb_object_agg(object, attributes), '{}') FROM (
    SELECT object, jsonb_object_agg(attribute, value) AS attributes FROM attributes GROUP BY object
) AS objects;
