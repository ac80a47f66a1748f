#!/usr/bin/env bash
# Scoring benchmark: `facesign-analytics score` (every detector, scores and findings written)
# over SESSIONS generated sessions (default 10 000 000) on this machine, with wall time and
# peak RSS; then, in the same run, the impossible-travel detector alone against the same
# detector written as one DuckDB SQL query (LAG over each user's sessions, haversine) over
# the same Parquet, both writing their findings to Parquet, with the ratio.
#
# Usage: bench/score.sh [SESSIONS]
# The generated dataset is kept in FACESIGN_BENCH_DIR (default /var/tmp/facesign-bench-SESSIONS)
# and reused by the next run. It is made in parts of 2 million sessions (seeds 7, 8, …; 13 GB
# of NDJSON each, which the export reads in creation order and so wants in the page cache; a
# 64 GB file read that way from disk takes an hour), each exported and its NDJSON deleted, the
# parts' Parquet files then gathered into one dataset: about 3 minutes per part here.
# Benchmarks measure the optimised `ci` profile (thin LTO), not the tests' `quick` one.
export FACESIGN_PROFILE="${FACESIGN_PROFILE:-ci}"
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
SESSIONS="${1:-10000000}"
DIR="${FACESIGN_BENCH_DIR:-/var/tmp/facesign-bench-$SESSIONS}"
setup_python
step "Building facesign-analytics (profile $CARGO_PROFILE)"
cargo build -q -p facesign-analytics --profile "$CARGO_PROFILE"
FA="$CARGO_TARGET_DIR/$CARGO_PROFILE/facesign-analytics"
mkdir -p "$DIR"
PART=2000000
if [ ! -f "$DIR/dataset/complete" ]; then
  step "Generating $SESSIONS sessions and exporting them to Parquet (once, in parts of $PART)"
  rm -rf "$DIR/dataset" "$DIR/parts" && mkdir -p "$DIR/dataset/sessions"
  left=$SESSIONS
  part=0
  while [ "$left" -gt 0 ]; do
    n=$(( left < PART ? left : PART ))
    "$FA" generate --seed $((7 + part)) --sessions "$n" --out "$DIR/parts/corpus"
    "$FA" export --from-ndjson "$DIR/parts/corpus/sessions.ndjson" --out "$DIR/parts/dataset-$part"
    rm -rf "$DIR/parts/corpus"
    # Gather the part's sessions/ files (their names carry the run, so parts never collide).
    (cd "$DIR/parts/dataset-$part/sessions" && find . -name '*.parquet' | while read -r f; do
      mkdir -p "$DIR/dataset/sessions/$(dirname "$f")"
      mv "$f" "$DIR/dataset/sessions/$(dirname "$f")/part$part-$(basename "$f")"
    done)
    rm -rf "$DIR/parts/dataset-$part"
    left=$(( left - n ))
    part=$(( part + 1 ))
  done
  touch "$DIR/dataset/complete"
fi
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
