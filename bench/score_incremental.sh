#!/usr/bin/env bash
# Incremental scoring benchmark: the state of a ten-million-session dataset (a million users),
# then the dataset's last NEW sessions (default 10 000) scored incrementally, with wall time and
# peak RSS (targets: under 2 s and under 1 GiB), several times from the same state; beside it,
# in the same run, the full batch over the same sessions; and the incremental answers checked
# against the batch's, every row (bench/incremental_answers.py, DuckDB).
#
# The new sessions are held out of bench/score.sh's dataset (bench/hold_out.py: the last NEW by
# creation time, so they are those users' latest sessions, as new ones are), so the state is
# built from SESSIONS - NEW sessions and the batch scores all SESSIONS.
#
# Usage: bench/score_incremental.sh [SESSIONS] [NEW]
# Benchmarks measure the optimised `ci` profile (thin LTO), not the tests' `quick` one.
export FACESIGN_PROFILE="${FACESIGN_PROFILE:-ci}"
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
SESSIONS="${1:-10000000}"
NEW="${2:-10000}"
DIR="${FACESIGN_BENCH_DIR:-/var/tmp/facesign-bench-$SESSIONS}"
setup_python
build_analytics
FA="$ANALYTICS"
bench/generate_dataset.sh "$SESSIONS" "$DIR"
WORK="$DIR/incremental-$NEW"
rm -rf "$WORK" && mkdir -p "$WORK"
python3 bench/hold_out.py "$DIR/dataset" "$NEW" "$WORK/base" "$WORK/new"

step "The state: every session but the last $NEW, scored with --state"
/usr/bin/time -f "wall %e s, peak RSS %M KB" "$FA" score --state "$WORK/state" --input "$WORK/base" --out "$WORK/out"
sync

step "The last $NEW sessions, incrementally (three times, each from a copy of the same state)"
for try in 1 2 3; do
  rm -rf "$WORK/try" && mkdir -p "$WORK/try"
  # Hard links: a run never changes a file of the state, it writes new ones.
  cp -al "$WORK/state" "$WORK/try/state" && cp -al "$WORK/out" "$WORK/try/out"
  /usr/bin/time -f "wall %e s, peak RSS %M KB" -o "$WORK/time-$try" \
    "$FA" score --state "$WORK/try/state" --input "$WORK/new" --out "$WORK/try/out" > "$WORK/run-$try.out"
  cat "$WORK/run-$try.out"
  echo "try $try: $(cat "$WORK/time-$try")"
done

step "The full batch over the same $SESSIONS sessions"
/usr/bin/time -f "wall %e s, peak RSS %M KB" -o "$WORK/time-batch" "$FA" score --input "$DIR/dataset" --out "$WORK/batch"
echo "batch: $(cat "$WORK/time-batch")"

step "The incremental answers against the batch's"
python3 bench/incremental_answers.py "$WORK/try/out" "$WORK/batch" || fail "the incremental answers differ from the batch's"

echo
echo "summary (targets for the incremental run: under 2 s and under 1 GiB):"
for try in 1 2 3; do echo "  incremental run $try: $(cat "$WORK/time-$try")"; done
echo "  full batch:          $(cat "$WORK/time-batch")"
