#!/usr/bin/env bash
# Scoring benchmark: `facesign-analytics score` (every detector, scores and findings written)
# over SESSIONS generated sessions (default 10 000 000) on this machine, with wall time and
# peak RSS; then, in the same run, the impossible-travel detector alone against the same
# detector written as one DuckDB SQL query (LAG over each user's sessions, haversine) over
# the same Parquet, both writing their findings to Parquet, with the ratio.
#
# Usage: bench/score.sh [SESSIONS]
# The generated dataset is kept in FACESIGN_BENCH_DIR (default /var/tmp/facesign-bench-SESSIONS)
# and reused by the next run (bench/generate_dataset.sh makes it).
# Benchmarks measure the optimised `ci` profile (thin LTO), not the tests' `quick` one.
export FACESIGN_PROFILE="${FACESIGN_PROFILE:-ci}"
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
SESSIONS="${1:-10000000}"
DIR="${FACESIGN_BENCH_DIR:-/var/tmp/facesign-bench-$SESSIONS}"
setup_python
build_analytics
FA="$ANALYTICS"
bench/generate_dataset.sh "$SESSIONS" "$DIR"
echo "dataset: $(du -sh "$DIR/dataset/sessions" | cut -f1) of sessions/ in $DIR/dataset"

step "score: every detector, scores/ and findings/ written"
/usr/bin/time -f "wall %e s, peak RSS %M KB" "$FA" score --input "$DIR/dataset" --out "$DIR/results"

step "impossible travel alone: facesign-analytics against DuckDB SQL, same Parquet, same machine"
ours_start=$(date +%s.%N)
"$FA" score --detectors impossible_travel --no-scores --input "$DIR/dataset" --out "$DIR/travel" >/dev/null
ours=$(python3 -c "print($(date +%s.%N) - $ours_start)")
ours_found=$(python3 -c "import pyarrow.dataset as d; print(d.dataset('$DIR/travel/findings').count_rows())")
python3 bench/impossible_travel_duckdb.py "$DIR/dataset" "$DIR/travel-duckdb.parquet" > "$DIR/duckdb.out"
duck=$(sed -n 's/^seconds //p' "$DIR/duckdb.out")
duck_found=$(sed -n 's/^findings //p' "$DIR/duckdb.out")
printf 'facesign-analytics: %.2f s, %s findings\n' "$ours" "$ours_found"
printf 'DuckDB %s:       %.2f s, %s findings\n' "$(python3 -c 'import duckdb; print(duckdb.__version__)')" "$duck" "$duck_found"
printf 'ratio DuckDB / facesign-analytics: %.2fx (above 1: ours is faster)\n' "$(python3 -c "print($duck / $ours)")"
[ "$ours_found" = "$duck_found" ] || fail "the two found different numbers of impossible travels"
