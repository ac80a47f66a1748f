-- Report readers against the same readings hand-written in plain SQL
-- (tests/handwritten/readers.sql), in one run. Run by bench/report_readers.sh.
\set kyc `cat tests/sessions/complete-kyc-object-video.json`
\set deepfake `cat tests/sessions/complete-deepfake-array-video.json`
\set ON_ERROR_STOP 1
SET client_min_messages = notice;

DROP TABLE IF EXISTS docs CASCADE;
CREATE TABLE docs (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO docs
SELECT i, jsonb_set(jsonb_set(CASE WHEN i % 2 = 0 THEN :'kyc'::jsonb ELSE :'deepfake'::jsonb END,
         '{createdAt}', to_jsonb(1763900000000 + i * 60013::bigint)),
         '{report,nodeReports,2,outcome}',
         to_jsonb((ARRAY['livenessDetected', 'deepfakeDetected', 'noFace', 'inconclusive'])[1 + i % 4]))
FROM generate_series(1, :rows) i;
VACUUM ANALYZE docs;
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

DO $$
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
  RAISE NOTICE 'sessions: % (% bytes each on disk, TOAST-compressed), one core, best of 3', n, bytes;
  RAISE NOTICE '% | % | % | %', rpad('reader', 16), lpad('extension', 12), lpad('plain SQL', 12), 'speed-up';
  FOR i IN 1..array_length(cases, 1) LOOP
    ours := best_of_3(cases[i][2]);
    theirs := best_of_3(cases[i][3]);
    RAISE NOTICE '% | % | % | %x', rpad(cases[i][1], 16), lpad(round((ours * 1000)::numeric, 1) || ' ms', 12),
      lpad(round((theirs * 1000)::numeric, 1) || ' ms', 12), round((theirs / ours)::numeric, 1);
  END LOOP;
END $$;

DROP TABLE docs CASCADE;
