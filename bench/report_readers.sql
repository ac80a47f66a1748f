-- Report readers against the same readings hand-written in plain SQL
-- (tests/handwritten/readers.sql), in one run. Run by bench/report_readers.sh.
\set kyc `cat tests/sessions/complete-kyc-object-video.json`
\set deepfake `cat tests/sessions/complete-deepfake-array-video.json`
\set ON_ERROR_STOP 1
SET client_min_messages = notice;

-- Two tables of the same sessions: `full` as FaceSign returns them (8-12 kB, so PostgreSQL
-- TOASTs them: compressed, out of line), `small` without the flow, the device flags and the
-- AI prose (about 2 kB, stored inline). The views in tests/handwritten/readers.sql read
-- table `docs`, pointed at each in turn.
DROP TABLE IF EXISTS full_docs, small_docs CASCADE;
CREATE TABLE full_docs (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO full_docs
SELECT i, jsonb_set(jsonb_set(jsonb_set(CASE WHEN i % 2 = 0 THEN :'kyc'::jsonb ELSE :'deepfake'::jsonb END,
         '{createdAt}', to_jsonb(1763900000000 + i * 60013::bigint)),
         CASE WHEN i % 2 = 0 THEN '{report,nodeReports,3,outcome}' ELSE '{report,nodeReports,2,outcome}' END::text[],
         to_jsonb((ARRAY['livenessDetected', 'deepfakeDetected', 'noFace', 'inconclusive'])[1 + i % 4])),
         '{report,location,country,isoCode}', to_jsonb((ARRAY['DE', 'FR', 'US', 'BR', 'NL', 'ES'])[1 + i % 6]))
FROM generate_series(1, :rows) i;
CREATE TABLE small_docs AS
SELECT id, doc #- '{settings,flow}' #- '{report,aiAnalysis,analysis}' #- '{report,aiAnalysis,overallSummary}'
           #- '{report,videoAIAnalysis}' #- '{report,location,registeredCountry}' #- '{report,location,subdivisions}'
           #- '{report,location,continent}' #- '{report,device,source}'
           || jsonb_build_object('report', (doc -> 'report') - 'videoAIAnalysis' - 'aiAnalysis'
                || jsonb_build_object('device', (SELECT jsonb_object_agg(k, v) FROM jsonb_each(doc -> 'report' -> 'device') AS d(k, v)
                                                 WHERE k IN ('browser', 'version', 'os', 'platform', 'isMobile', 'isTablet', 'isBot')),
                                      'location', (doc -> 'report' -> 'location') - 'registeredCountry' - 'subdivisions' - 'continent' - 'postal',
                                      'nodeReports', (SELECT jsonb_agg(n - 'report') FROM jsonb_array_elements(doc -> 'report' -> 'nodeReports') AS n)))
           AS doc
FROM full_docs;
ALTER TABLE small_docs ADD PRIMARY KEY (id);
VACUUM ANALYZE full_docs;
VACUUM ANALYZE small_docs;
CREATE VIEW docs AS SELECT * FROM full_docs;
\i tests/handwritten/readers.sql

SET max_parallel_workers_per_gather = 0;

-- Best of three runs of a query, in seconds.
CREATE OR REPLACE FUNCTION best_of_3(query text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; best float8 := 'infinity';
BEGIN
  EXECUTE query;  -- warm the cache
  FOR run IN 1..3 LOOP
    t0 := clock_timestamp();
    EXECUTE query;
    best := least(best, extract(epoch FROM clock_timestamp() - t0));
  END LOOP;
  RETURN best;
END $$;

-- count(column) for every column of a composite type or view, so every value is computed.
CREATE OR REPLACE FUNCTION counts_of(rel regclass, alias text) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(format('count(%s.%I)', alias, attname), ', ' ORDER BY attnum)
  FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped AND attname NOT IN ('id', 'row_id')
$$;

CREATE OR REPLACE PROCEDURE compare_readers(label text) LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  bytes bigint;
  cases text[][] := ARRAY[
    ARRAY['node_outcomes',
          format('SELECT %s FROM docs d, facesign.node_outcomes(d.doc) x', counts_of('hand_node_outcomes', 'x')),
          format('SELECT %s FROM hand_node_outcomes x', counts_of('hand_node_outcomes', 'x'))],
    ARRAY['transcript',
          format('SELECT %s FROM docs d, facesign.transcript(d.doc) x', counts_of('hand_transcript', 'x')),
          format('SELECT %s FROM hand_transcript x', counts_of('hand_transcript', 'x'))],
    ARRAY['outcome',
          'SELECT count(facesign.outcome(d.doc, ''liveness_detection'')) FROM docs d',
          'SELECT count(outcome) FROM hand_liveness_outcome'],
    ARRAY['risk_signals',
          format('SELECT %s FROM docs d, facesign.risk_signals(d.doc) x', counts_of('facesign.risk_signals', 'x')),
          format('SELECT %s FROM hand_risk_signals x', counts_of('facesign.risk_signals', 'x'))],
    ARRAY['session_summary',
          format('SELECT %s FROM docs d, facesign.session_summary(d.doc) x', counts_of('facesign.session_summary', 'x')),
          format('SELECT %s FROM hand_session_summary x', counts_of('facesign.session_summary', 'x'))]
  ];
  ours float8;
  theirs float8;
BEGIN
  SELECT count(*), avg(pg_column_size(doc))::bigint INTO n, bytes FROM docs;
  RAISE NOTICE '';
  RAISE NOTICE '% sessions, % (% bytes each as stored), one core, best of 3:', n, label, bytes;
  RAISE NOTICE '% | % | % | %', rpad('reader', 16), lpad('extension', 12), lpad('plain SQL', 12), 'speed-up';
  FOR i IN 1..array_length(cases, 1) LOOP
    ours := best_of_3(cases[i][2]);
    theirs := best_of_3(cases[i][3]);
    RAISE NOTICE '% | % | % | %x', rpad(cases[i][1], 16), lpad(round((ours * 1000)::numeric, 1) || ' ms', 12),
      lpad(round((theirs * 1000)::numeric, 1) || ' ms', 12), round((theirs / ours)::numeric, 1);
  END LOOP;
END $$;

CALL compare_readers('TOASTed');
CREATE OR REPLACE VIEW docs AS SELECT * FROM small_docs;
CALL compare_readers('small, inline');

-- Whole queries: the examples in sql/examples/ against the same questions hand-written,
-- reading each field the way plain SQL does (each expression detoasts the document again).
CREATE OR REPLACE VIEW docs AS SELECT * FROM full_docs;
DO $$
DECLARE
  queries text[][] := ARRAY[
    ARRAY['verification decision',
      $q$SELECT count(*) FILTER (WHERE r.liveness = 'livenessDetected' AND coalesce(r.face_scan, 'passed') = 'passed')
         FROM full_docs d CROSS JOIN LATERAL facesign.risk_signals(d.doc) r$q$,
      $q$SELECT count(*) FILTER (WHERE liveness = 'livenessDetected' AND coalesce(face_scan, 'passed') = 'passed')
         FROM (SELECT (SELECT n->>'outcome' FROM jsonb_array_elements(d.doc->'report'->'nodeReports') WITH ORDINALITY e(n, i)
                       WHERE n->>'type' = 'liveness_detection' ORDER BY i DESC LIMIT 1) AS liveness,
                      (SELECT n->>'outcome' FROM jsonb_array_elements(d.doc->'report'->'nodeReports') WITH ORDINALITY e(n, i)
                       WHERE n->>'type' = 'face_scan' ORDER BY i DESC LIMIT 1) AS face_scan
               FROM full_docs d) x$q$],
    ARRAY['liveness failure rate by country',
      $q$SELECT r.country, count(*), count(*) FILTER (WHERE r.liveness <> 'livenessDetected')
         FROM full_docs d CROSS JOIN LATERAL facesign.risk_signals(d.doc) r WHERE r.liveness IS NOT NULL GROUP BY r.country$q$,
      $q$SELECT country, count(*), count(*) FILTER (WHERE liveness <> 'livenessDetected')
         FROM (SELECT d.doc->'report'->'location'->'country'->>'isoCode' AS country,
                      (SELECT n->>'outcome' FROM jsonb_array_elements(d.doc->'report'->'nodeReports') WITH ORDINALITY e(n, i)
                       WHERE n->>'type' = 'liveness_detection' ORDER BY i DESC LIMIT 1) AS liveness
               FROM full_docs d) x WHERE liveness IS NOT NULL GROUP BY country$q$],
    ARRAY['sessions per user and day',
      $q$SELECT s.client_reference_id, date_trunc('day', s.created_at), count(*)
         FROM full_docs d CROSS JOIN LATERAL facesign.session_summary(d.doc) s GROUP BY 1, 2$q$,
      $q$SELECT coalesce(d.doc->'settings'->>'clientReferenceId', d.doc->'settings'->>'client_reference_id'),
                date_trunc('day', to_timestamp((d.doc->>'createdAt')::float8 / 1000)), count(*)
         FROM full_docs d GROUP BY 1, 2$q$]
  ];
  ours float8;
  theirs float8;
BEGIN
  RAISE NOTICE '';
  RAISE NOTICE 'whole queries on the TOASTed sessions, one core, best of 3:';
  RAISE NOTICE '% | % | % | %', rpad('query', 34), lpad('extension', 12), lpad('plain SQL', 12), 'speed-up';
  FOR i IN 1..array_length(queries, 1) LOOP
    ours := best_of_3(queries[i][2]);
    theirs := best_of_3(queries[i][3]);
    RAISE NOTICE '% | % | % | %x', rpad(queries[i][1], 34), lpad(round((ours * 1000)::numeric, 1) || ' ms', 12),
      lpad(round((theirs * 1000)::numeric, 1) || ' ms', 12), round((theirs / ours)::numeric, 1);
  END LOOP;
END $$;

DROP TABLE full_docs, small_docs CASCADE;
