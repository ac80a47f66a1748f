-- Flow validation throughput, with the floor measured in the same run, and validate_flow
-- against itself without the safety lints (the extension built with validation-baseline).
-- Run by bench/flow_validation.sh; prints NOTICE lines with the figures.
\set english `cat tests/flows/seed-english-recognition-liveness.json`
\set ON_ERROR_STOP 1
SET client_min_messages = notice;

DROP TABLE IF EXISTS bench_flows;
DROP TABLE IF EXISTS bench_big_flow;
-- 100 000 ten-node flows: the seed flow with per-row ids and prompts, so no two are equal.
CREATE TABLE bench_flows AS
SELECT i AS id, replace(replace(:'english', '"greeting"', '"greeting_' || i || '"'),
                        'Say: Hi!', 'Say: Hi ' || i || '!')::jsonb AS flow
FROM generate_series(1, 100000) i;
-- One 50 000-node flow (a chain of conversation nodes), stored TOASTed like a real row.
CREATE TABLE bench_big_flow AS
SELECT jsonb_build_array(jsonb_build_object('id', 'start', 'type', 'start', 'outcome', 'n1'))
    || jsonb_agg(jsonb_build_object('id', 'n' || i, 'type', 'conversation', 'prompt', 'Say: step ' || i,
         'outcomes', jsonb_build_array(jsonb_build_object('id', 'o' || i, 'condition', 'User answered',
           'targetNodeId', CASE WHEN i < 49998 THEN 'n' || (i + 1) ELSE 'end' END))) ORDER BY i)
    || jsonb_build_array(jsonb_build_object('id', 'end', 'type', 'end')) AS flow
FROM generate_series(1, 49998) i;
VACUUM ANALYZE bench_flows;
VACUUM ANALYZE bench_big_flow;

-- One core: no parallel workers.
SET max_parallel_workers_per_gather = 0;

DO $$
DECLARE
  rows bigint;
  t0 timestamptz;
  elapsed float8;
  best_valid float8 := 'infinity';
  best_floor float8 := 'infinity';
  best_big float8 := 'infinity';
  best_big_rows float8 := 'infinity';
  best_rows float8 := 'infinity';
  best_rows_before float8 := 'infinity';
  best_big_before float8 := 'infinity';
  row_count bigint;
  row_count_before bigint;
  valid bigint;
  nodes int;
  avg_bytes int;
BEGIN
  SELECT count(*), avg(pg_column_size(flow))::int INTO rows, avg_bytes FROM bench_flows;
  -- Warm the cache once, then best of five.
  PERFORM count(*) FROM bench_flows WHERE facesign.flow_is_valid(flow);
  FOR run IN 1..5 LOOP
    t0 := clock_timestamp();
    SELECT count(*) INTO valid FROM bench_flows WHERE jsonb_array_length(flow) > 0;
    best_floor := least(best_floor, extract(epoch FROM clock_timestamp() - t0));
    t0 := clock_timestamp();
    SELECT count(*) INTO valid FROM bench_flows WHERE facesign.flow_is_valid(flow);
    best_valid := least(best_valid, extract(epoch FROM clock_timestamp() - t0));
  END LOOP;
  IF valid <> rows THEN
    RAISE EXCEPTION 'expected % valid flows, got %', rows, valid;
  END IF;
  -- validate_flow against itself without the safety lints (validate_flow_structure, the
  -- validator as it was before them), alternating, on the same flows.
  FOR run IN 1..5 LOOP
    t0 := clock_timestamp();
    SELECT count(*) INTO row_count_before FROM bench_flows, facesign.validate_flow_structure(flow);
    best_rows_before := least(best_rows_before, extract(epoch FROM clock_timestamp() - t0));
    t0 := clock_timestamp();
    SELECT count(*) INTO row_count FROM bench_flows, facesign.validate_flow(flow);
    best_rows := least(best_rows, extract(epoch FROM clock_timestamp() - t0));
  END LOOP;
  SELECT jsonb_array_length(flow) INTO nodes FROM bench_big_flow;
  FOR run IN 1..5 LOOP
    t0 := clock_timestamp();
    PERFORM facesign.flow_is_valid(flow) FROM bench_big_flow;
    best_big := least(best_big, extract(epoch FROM clock_timestamp() - t0));
    t0 := clock_timestamp();
    PERFORM count(*) FROM bench_big_flow, facesign.validate_flow(flow);
    best_big_rows := least(best_big_rows, extract(epoch FROM clock_timestamp() - t0));
    t0 := clock_timestamp();
    PERFORM count(*) FROM bench_big_flow, facesign.validate_flow_structure(flow);
    best_big_before := least(best_big_before, extract(epoch FROM clock_timestamp() - t0));
  END LOOP;
  RAISE NOTICE 'flows: % ten-node flows, % bytes each on disk (compressed)', rows, avg_bytes;
  RAISE NOTICE 'flow_is_valid:       % ms  = % flows/s on one core', round((best_valid * 1000)::numeric, 1), round(rows / best_valid);
  RAISE NOTICE 'floor (array_length): % ms  = % rows/s', round((best_floor * 1000)::numeric, 1), round(rows / best_floor);
  RAISE NOTICE 'ratio to floor:      %x (target: at most 5x)', round((best_valid / best_floor)::numeric, 2);
  RAISE NOTICE 'one %-node flow: flow_is_valid % ms, validate_flow % ms (target: under 50 ms)',
    nodes, round((best_big * 1000)::numeric, 1), round((best_big_rows * 1000)::numeric, 1);
  RAISE NOTICE 'validate_flow, % flows: % ms (% rows) with the safety lints, % ms (% rows) without: %x (target: at most 2x)',
    rows, round((best_rows * 1000)::numeric, 1), row_count, round((best_rows_before * 1000)::numeric, 1),
    row_count_before, round((best_rows / best_rows_before)::numeric, 2);
  RAISE NOTICE 'validate_flow, one %-node flow: % ms with the safety lints, % ms without: %x (target: at most 2x)',
    nodes, round((best_big_rows * 1000)::numeric, 1), round((best_big_before * 1000)::numeric, 1),
    round((best_big_rows / best_big_before)::numeric, 2);
END $$;

DROP TABLE bench_flows;
DROP TABLE bench_big_flow;
